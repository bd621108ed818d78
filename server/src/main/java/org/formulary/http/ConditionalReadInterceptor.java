package org.formulary.http;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.ResponseDetails;
import ca.uhn.fhir.rest.server.exceptions.NotModifiedException;
import jakarta.servlet.http.HttpServletResponse;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * HTTP caching for pulling and syncing clients. HAPI already answers {@code If-None-Match} with 304; this adds
 * {@code If-Modified-Since} (304 when the resource's lastUpdated, to the second, is not later; ignored when
 * {@code If-None-Match} is present, as RFC 9110 says) and {@code Cache-Control}: a version read by vread never
 * changes and may be cached for a year, the current version and search results must be revalidated
 * ({@code no-cache}) — cheap with the ETag. Stateless, thread-safe.
 */
@Interceptor
public final class ConditionalReadInterceptor {

    static final String REVALIDATE = "no-cache";
    static final String IMMUTABLE = "public, max-age=31536000, immutable";

    @Hook(Pointcut.SERVER_OUTGOING_RESPONSE)
    public boolean conditionalRead(RequestDetails request, ResponseDetails response, HttpServletResponse servlet) {
        RestOperationTypeEnum operation = request.getRestOperationType();
        if (operation == RestOperationTypeEnum.VREAD) {
            servlet.setHeader("Cache-Control", IMMUTABLE);
        } else if (operation == RestOperationTypeEnum.READ || operation == RestOperationTypeEnum.SEARCH_TYPE
                || operation == RestOperationTypeEnum.SEARCH_SYSTEM) {
            servlet.setHeader("Cache-Control", REVALIDATE);
        }
        if (operation == RestOperationTypeEnum.READ && request.getHeader("If-None-Match") == null) {
            checkModifiedSince(request.getHeader("If-Modified-Since"), response.getResponseResource());
        }
        return true;
    }

    private static void checkModifiedSince(String header, IBaseResource resource) {
        if (resource != null && resource.getMeta().getLastUpdated() != null
                && notModifiedSince(header, resource.getMeta().getLastUpdated().getTime())) {
            throw new NotModifiedException("Not modified since " + header);
        }
    }

    /**
     * Whether {@code If-Modified-Since: header} means 304 for a resource last updated at {@code lastUpdatedMillis}:
     * its lastUpdated, to the second, is not later. A missing or unparseable date means no (RFC 9110 13.1.3).
     */
    static boolean notModifiedSince(String header, long lastUpdatedMillis) {
        if (header == null) {
            return false;
        }
        long since;
        try {
            since = ZonedDateTime.parse(header.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            return false;
        }
        return lastUpdatedMillis / 1000 * 1000 <= since;
    }
}
