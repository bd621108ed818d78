package org.formulary.auth;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.Locale;
import java.util.Set;

/**
 * Bearer-token authorization of writes. Two steps:
 * <ol>
 *   <li>as soon as the request is parsed, a write by its HTTP method (POST other than an operation or
 *       {@code _search}, PUT, PATCH, DELETE other than an operation) must carry a valid token (401 otherwise),
 *       before its body is read;</li>
 *   <li>once HAPI has chosen the method, {@link AccessRules} says what the request needs; the token (checked in
 *       step 1 or now) must grant it (403 otherwise).</li>
 * </ol>
 * The verified {@link Caller} is attached to the request. Public requests are not looked at. Stateless apart from
 * its immutable collaborators; thread-safe.
 */
@Interceptor
public final class AuthorizationInterceptor {

    private static final Set<String> WRITE_METHODS = Set.of("POST", "PUT", "PATCH", "DELETE");

    private final TokenVerifier verifier;
    private final AccessRules rules;

    public AuthorizationInterceptor(TokenVerifier verifier, AccessRules rules) {
        this.verifier = verifier;
        this.rules = rules;
    }

    @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
    public boolean authenticateWrites(RequestDetails request) {
        String operation = request.getOperation();
        boolean operationOrSearch = operation != null && (operation.startsWith("$") || operation.equals("_search"));
        if (WRITE_METHODS.contains(request.getRequestType().name()) && !operationOrSearch) {
            authenticate(request);
        }
        return true;
    }

    @Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
    public void authorize(RequestDetails request, RestOperationTypeEnum operation) {
        RequiredAccess access = rules.of(request, operation);
        if (!access.tokenNeeded()) {
            return;
        }
        Caller caller = Caller.of(request).orElseGet(() -> authenticate(request));
        Scopes scopes = Scopes.of(caller.scopes());
        for (Permission permission : access.permissions()) {
            if (!scopes.permit(permission)) {
                throw AuthErrors.insufficientScope(permission);
            }
        }
    }

    private Caller authenticate(RequestDetails request) {
        Caller caller = verifier.verify(bearerToken(request));
        caller.attachTo(request);
        return caller;
    }

    private String bearerToken(RequestDetails request) {
        String header = request.getHeader("Authorization");
        String noKeySet = verifier.hasKeySet() ? "" : "; but no key set is configured (FORMULARY_AUTH_JWKS), so"
                + " this server accepts no token and refuses every write";
        if (header == null || header.isBlank()) {
            throw AuthErrors.missingToken("This request needs an OAuth 2.0 bearer token (Authorization: Bearer"
                    + " <JWT>) with SMART system scopes" + noKeySet);
        }
        String trimmed = header.trim();
        int space = trimmed.indexOf(' ');
        String scheme = space < 0 ? trimmed : trimmed.substring(0, space);
        if (!scheme.toLowerCase(Locale.ROOT).equals("bearer")) {
            throw AuthErrors.missingToken("Authorization scheme '" + scheme + "' is not supported: send an OAuth 2.0"
                    + " bearer token (Authorization: Bearer <JWT>)" + noKeySet);
        }
        if (space < 0 || trimmed.substring(space).isBlank()) {
            throw AuthErrors.invalidToken("the Authorization header has no token after Bearer");
        }
        return trimmed.substring(space).trim();
    }
}
