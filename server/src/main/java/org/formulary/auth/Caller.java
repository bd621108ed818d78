package org.formulary.auth;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.Optional;
import java.util.Set;

/**
 * Who sent a request, as established by the authorization interceptor: the token's subject, its client id and its
 * granted scopes. Attached to the request's user data so that the write path can record it (Provenance.agent).
 * Immutable and thread-safe.
 *
 * @param subject   the token's {@code sub} claim, or {@code "anonymous"} when authorization is off
 * @param clientId  the token's {@code client_id} (or {@code azp}) claim, or the subject when the token has neither
 * @param scopes    the granted scopes, e.g. {@code system/*.cud}
 */
public record Caller(String subject, String clientId, Set<String> scopes) {

    private static final String KEY = Caller.class.getName();

    /** The caller recorded when authorization is switched off ({@code FORMULARY_AUTH=off}). */
    public static final Caller ANONYMOUS = new Caller("anonymous", "anonymous", Set.of());

    public Caller {
        scopes = Set.copyOf(scopes);
    }

    /** Attaches this caller to {@code request}. */
    public void attachTo(RequestDetails request) {
        request.getUserData().put(KEY, this);
    }

    /** The caller attached to {@code request}, if the authorization interceptor attached one. */
    public static Optional<Caller> of(RequestDetails request) {
        return request == null ? Optional.empty() : Optional.ofNullable((Caller) request.getUserData().get(KEY));
    }
}
