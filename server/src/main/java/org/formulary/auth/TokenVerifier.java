package org.formulary.auth;

import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.ConfigurableJWTProcessor;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import com.nimbusds.jwt.proc.JWTProcessor;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.text.ParseException;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Verifies bearer tokens with Nimbus JOSE+JWT: a JWT signed with RS256 or ES256 by a key of the configured JSON Web
 * Key Set (a file read once at startup, or an http(s) URL fetched, cached and refreshed by Nimbus), naming the
 * configured issuer and audience, with an expiry ({@code exp}) in the future and any {@code nbf} in the past
 * (30 seconds of clock skew allowed). Unsigned ({@code alg: none}) and HMAC tokens are refused. Without a key set,
 * every token is refused. Thread-safe: the processor is configured once and only read afterwards.
 */
public final class TokenVerifier {

    /** The signature algorithms accepted. */
    public static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256);
    private static final int CLOCK_SKEW_SECONDS = 30;

    private final Optional<JWTProcessor<SecurityContext>> processor;
    private final String keySet;

    private TokenVerifier(Optional<JWTProcessor<SecurityContext>> processor, String keySet) {
        this.processor = processor;
        this.keySet = keySet;
    }

    /** A verifier that refuses every token: no key set is configured. */
    public static TokenVerifier withoutKeySet() {
        return new TokenVerifier(Optional.empty(), "none");
    }

    /**
     * A verifier for tokens signed with a key of {@code jwks} (file path or http(s) URL), issued by {@code issuer}
     * for {@code audience}. A key set file is read now: a missing or malformed file is an error.
     */
    public static TokenVerifier create(String jwks, String issuer, String audience) throws IOException {
        ConfigurableJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHMS, keySource(jwks)));
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(Collections.singleton(audience),
                new JWTClaimsSet.Builder().issuer(issuer).build(), Set.of("iss", "aud", "exp"), Set.of());
        claims.setMaxClockSkew(CLOCK_SKEW_SECONDS);
        processor.setJWTClaimsSetVerifier(claims);
        return new TokenVerifier(Optional.of(processor), jwks);
    }

    /** Whether a URL names the key set (else it is a file). */
    public static boolean isUrl(String jwks) {
        return jwks.startsWith("https://") || jwks.startsWith("http://");
    }

    private static JWKSource<SecurityContext> keySource(String jwks) throws IOException {
        if (isUrl(jwks)) {
            return JWKSourceBuilder.<SecurityContext>create(URI.create(jwks).toURL()).retrying(true).build();
        }
        try {
            return new ImmutableJWKSet<>(JWKSet.load(Path.of(jwks).toFile()).toPublicJWKSet());
        } catch (ParseException e) {
            throw new IOException("FORMULARY_AUTH_JWKS " + jwks + " is not a JSON Web Key Set: " + e.getMessage(), e);
        }
    }

    /** Whether a key set is configured (without one, every token is refused). */
    public boolean hasKeySet() {
        return processor.isPresent();
    }

    /**
     * The caller a valid {@code token} (the compact JWT) identifies.
     *
     * @throws BaseServerResponseException 401 {@code invalid_token} when the token is not valid, 503 when the key set
     *     URL cannot be fetched
     */
    public Caller verify(String token) {
        if (processor.isEmpty()) {
            throw AuthErrors.invalidToken("no key set is configured (FORMULARY_AUTH_JWKS), so this server accepts"
                    + " no token and refuses every write");
        }
        try {
            return caller(processor.get().process(token, null));
        } catch (KeySourceException e) {
            throw AuthErrors.keySetUnavailable("The key set " + keySet + " that bearer tokens are verified with"
                    + " cannot be fetched: " + e.getMessage());
        } catch (ParseException e) {
            throw AuthErrors.invalidToken("malformed token: " + e.getMessage());
        } catch (BadJOSEException | JOSEException e) {
            throw AuthErrors.invalidToken(e.getMessage());
        }
    }

    private static Caller caller(JWTClaimsSet claims) throws ParseException {
        String clientId = firstOf(claims.getStringClaim("client_id"), claims.getStringClaim("azp"),
                claims.getSubject());
        String subject = firstOf(claims.getSubject(), clientId, "unknown");
        return new Caller(subject, clientId == null ? subject : clientId, scopes(claims));
    }

    /** The {@code scope} claim (space-separated, RFC 8693) or the {@code scp} claim (a list). */
    private static Set<String> scopes(JWTClaimsSet claims) throws ParseException {
        Set<String> scopes = new LinkedHashSet<>();
        addSpaceSeparated(scopes, claims.getStringClaim("scope"));
        if (claims.getClaim("scp") instanceof String scp) {
            addSpaceSeparated(scopes, scp);
        } else if (claims.getClaim("scp") != null) {
            scopes.addAll(claims.getStringListClaim("scp"));
        }
        return scopes;
    }

    private static void addSpaceSeparated(Set<String> scopes, String value) {
        if (value != null) {
            Arrays.stream(value.trim().split("\\s+")).filter(s -> !s.isEmpty()).forEach(scopes::add);
        }
    }

    private static String firstOf(String... values) {
        for (String value : values) {
            if (value != null && !value.isBlank()) {
                return value;
            }
        }
        return null;
    }
}
