package org.formulary.auth;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;

/**
 * With authorization off ({@code FORMULARY_AUTH=off}, local development only): every request is allowed and its
 * caller is {@link Caller#ANONYMOUS}. Stateless, thread-safe.
 */
@Interceptor
public final class AnonymousCallerInterceptor {

    @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
    public boolean attachAnonymous(RequestDetails request) {
        Caller.ANONYMOUS.attachTo(request);
        return true;
    }
}
