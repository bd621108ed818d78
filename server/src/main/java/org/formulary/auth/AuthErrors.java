package org.formulary.auth;

import ca.uhn.fhir.rest.server.exceptions.AuthenticationException;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import java.util.Locale;

/**
 * The errors of bearer-token authorization (RFC 6750), as HAPI exceptions: the server answers them with their
 * status, a {@code WWW-Authenticate: Bearer} challenge and an OperationOutcome carrying the message.
 */
final class AuthErrors {

    static final String REALM = "formulary";
    private static final String WWW_AUTHENTICATE = "WWW-Authenticate";

    private AuthErrors() {}

    /** 401 without an error code: the request has no bearer token. */
    static BaseServerResponseException missingToken(String message) {
        return new AuthenticationException(message)
                .addResponseHeader(WWW_AUTHENTICATE, "Bearer realm=\"" + REALM + "\"");
    }

    /** 401 {@code invalid_token}: the token is malformed, expired, or not signed by a trusted key for us. */
    static BaseServerResponseException invalidToken(String description) {
        String clean = quotable(description);
        return new AuthenticationException("Invalid bearer token: " + clean)
                .addResponseHeader(WWW_AUTHENTICATE, "Bearer realm=\"" + REALM + "\", error=\"invalid_token\","
                        + " error_description=\"" + clean + "\"");
    }

    /** 403 {@code insufficient_scope}: the token is valid but its scopes do not grant {@code needed}. */
    static BaseServerResponseException insufficientScope(Permission needed) {
        String what = needed.interaction().name().toLowerCase(Locale.ROOT) + " of "
                + (Permission.EVERY_TYPE.equals(needed.type()) ? "every resource type" : needed.type());
        String description = "the token's scopes do not allow " + what + ": it needs " + needed.scope()
                + " (or a broader scope such as system/*." + needed.interaction().letter() + ")";
        return new ForbiddenOperationException("Insufficient scope: " + description)
                .addResponseHeader(WWW_AUTHENTICATE, "Bearer realm=\"" + REALM + "\", error=\"insufficient_scope\","
                        + " error_description=\"" + description + "\", scope=\"" + needed.scope() + "\"");
    }

    /** 503: the key set the tokens are checked with cannot be fetched right now. */
    static BaseServerResponseException keySetUnavailable(String message) {
        return new BaseServerResponseException(503, message) {};
    }

    /** {@code text} fit for a quoted-string in the challenge (RFC 6750 forbids {@code "} and {@code \}). */
    private static String quotable(String text) {
        return text == null ? "not a token this server accepts" : text.replace('"', '\'').replace('\\', '/');
    }
}
