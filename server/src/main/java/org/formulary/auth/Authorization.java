package org.formulary.auth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.formulary.config.Settings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's authorization as configured: the interceptor that enforces it, and what the server says about it
 * (the CapabilityStatement's security description, the SMART configuration document). Built once at startup;
 * immutable and thread-safe.
 */
public final class Authorization {

    private static final Logger LOG = LoggerFactory.getLogger(Authorization.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The scopes the server understands, as advertised in the SMART configuration. */
    private static final List<String> SCOPES_SUPPORTED = List.of("system/*.cruds", "system/*.cud", "system/*.rs",
            "system/*.c", "system/*.u", "system/*.d", "system/*.read", "system/*.write", "system/*.*");

    private final Settings.Auth settings;
    private final Object interceptor;
    private final boolean keySet;

    private Authorization(Settings.Auth settings, Object interceptor, boolean keySet) {
        this.settings = settings;
        this.interceptor = interceptor;
        this.keySet = keySet;
    }

    /**
     * Authorization per {@code settings} for a server at {@code baseUrl} (the tokens' audience unless one is
     * configured). Logs a warning when authorization is off or no key set is configured.
     *
     * @throws IOException when the configured key set file cannot be read
     */
    public static Authorization configure(Settings.Auth settings, String baseUrl) throws IOException {
        if (!settings.enabled()) {
            LOG.warn("AUTHORIZATION IS OFF (FORMULARY_AUTH=off): anyone who can reach {} can create, update and"
                    + " delete resources. For local development only; never run a shared server like this.", baseUrl);
            return new Authorization(settings, new AnonymousCallerInterceptor(), false);
        }
        AccessRules rules = new AccessRules(settings.privateExport());
        if (settings.jwks().isEmpty()) {
            LOG.warn("Authorization is on but no key set is configured (FORMULARY_AUTH_JWKS): every write will be"
                    + " refused with 401. Reads stay public.");
            return new Authorization(settings, new AuthorizationInterceptor(TokenVerifier.withoutKeySet(), rules),
                    false);
        }
        String audience = settings.audienceOr(baseUrl);
        TokenVerifier verifier = TokenVerifier.create(settings.jwks().get(), settings.issuer().orElseThrow(), audience);
        LOG.info("Writes need a bearer token from issuer {} for audience {}, signed with a key of {}{}",
                settings.issuer().get(), audience, settings.jwks().get(),
                settings.privateExport() ? "; Bulk Data export needs one too" : "");
        return new Authorization(settings, new AuthorizationInterceptor(verifier, rules), true);
    }

    /** Whether writes need a token (false only with {@code FORMULARY_AUTH=off}). */
    public boolean enabled() {
        return settings.enabled();
    }

    /** The HAPI interceptor enforcing this authorization (or attaching the anonymous caller when it is off). */
    public Object interceptor() {
        return interceptor;
    }

    /** Where clients get tokens, if configured. */
    public Optional<String> tokenEndpoint() {
        return settings.tokenEndpoint();
    }

    /** A sentence for people reading the CapabilityStatement. */
    public String description() {
        if (!settings.enabled()) {
            return "AUTHORIZATION IS OFF (FORMULARY_AUTH=off): every request, writes included, is accepted without"
                    + " a token. For local development only.";
        }
        String export = settings.privateExport()
                ? " Bulk Data $export needs a token with read scopes (system/*.rs or system/*.read)."
                : " Bulk Data $export is public.";
        String keys = keySet ? "" : " No key set is configured yet, so every write is refused.";
        return "Reads, search, history, /metadata, $validate, $compare and $apply are public. Every write (create,"
                + " update, patch, delete, transaction, batch) needs an OAuth 2.0 bearer token: a JWT signed with"
                + " RS256 or ES256 by the configured issuer, with SMART system scopes (v2 system/*.cud,"
                + " system/[Type].c|u|d, v1 system/*.write)." + export + keys
                + " See [base]/.well-known/smart-configuration.";
    }

    /** The SMART configuration document (JSON), or empty when authorization is off. */
    public Optional<String> smartConfiguration() {
        if (!settings.enabled()) {
            return Optional.empty();
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        settings.issuer().ifPresent(issuer -> doc.put("issuer", issuer));
        settings.jwks().filter(TokenVerifier::isUrl).ifPresent(jwks -> doc.put("jwks_uri", jwks));
        settings.tokenEndpoint().ifPresent(token -> doc.put("token_endpoint", token));
        doc.put("grant_types_supported", List.of("client_credentials"));
        doc.put("token_endpoint_auth_methods_supported", List.of("private_key_jwt"));
        doc.put("token_endpoint_auth_signing_alg_values_supported", List.of("RS256", "ES256"));
        doc.put("scopes_supported", SCOPES_SUPPORTED);
        doc.put("capabilities", List.of("client-confidential-asymmetric", "permission-v2", "permission-v1"));
        try {
            return Optional.of(JSON.writeValueAsString(doc));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Could not write the SMART configuration", e);
        }
    }
}
