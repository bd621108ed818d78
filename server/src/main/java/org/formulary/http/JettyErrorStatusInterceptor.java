package org.formulary.http;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import jakarta.servlet.http.HttpServletRequest;
import org.eclipse.jetty.http.HttpException;

/**
 * A client error that Jetty raises while HAPI reads the request (a search form that is not UTF-8, say) keeps its 4xx
 * status and reason, instead of becoming HAPI's 500; when the request's Content-Length is over the body limit (Jetty
 * refuses such a form before HAPI's interceptors run) it is 413, as for any other body. Immutable, thread-safe.
 */
@Interceptor
public final class JettyErrorStatusInterceptor {

    private final int maxBodyBytes;

    /** @param maxBodyBytes the largest request body accepted, in bytes */
    public JettyErrorStatusInterceptor(int maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
    }

    @Hook(Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION)
    public BaseServerResponseException keepClientErrorStatus(Throwable exception, HttpServletRequest request) {
        for (Throwable t = exception; t != null; t = t.getCause()) {
            if (t instanceof HttpException http && http.getCode() >= 400 && http.getCode() < 500) {
                long declared = request.getContentLengthLong();
                return declared > maxBodyBytes
                        ? HttpErrors.tooLarge("its Content-Length is " + declared + " bytes", maxBodyBytes)
                        : HttpErrors.status(http.getCode(), "The request could not be read: " + http.getReason());
            }
        }
        return null;
    }
}
