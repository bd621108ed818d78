package org.formulary.http;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxy;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;

/**
 * Drops HAPI's ERROR log line (with stack trace) for an interceptor that refused a request with a 4xx status — a
 * missing token (401), an insufficient scope (403), an unsupported media type (406, 415): those are the client's
 * mistakes, answered with an OperationOutcome, not server errors, and an anonymous client must not be able to
 * fill the log with them. Everything else passes. Stateless, thread-safe.
 */
public final class ClientErrorLogFilter extends Filter<ILoggingEvent> {

    private static final String INTERCEPTOR_SERVICE = "ca.uhn.fhir.interceptor.executor.BaseInterceptorService";

    @Override
    public FilterReply decide(ILoggingEvent event) {
        boolean clientError = INTERCEPTOR_SERVICE.equals(event.getLoggerName())
                && event.getThrowableProxy() instanceof ThrowableProxy proxy
                && proxy.getThrowable() instanceof BaseServerResponseException e
                && e.getStatusCode() < 500;
        return clientError ? FilterReply.DENY : FilterReply.NEUTRAL;
    }
}
