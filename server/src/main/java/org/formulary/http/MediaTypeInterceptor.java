package org.formulary.http;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Locale;
import java.util.Set;

/**
 * Content negotiation the spec asks for and HAPI leaves lenient: a body whose Content-Type is not FHIR JSON or XML
 * (or a form posted to {@code _search}), or names a charset other than UTF-8, is refused with 415, and a request whose
 * {@code _format} or {@code Accept} admits neither JSON nor XML is refused with 406 (a Bulk Data file download may
 * also accept NDJSON, which it answers). Stateless, thread-safe.
 */
@Interceptor
public final class MediaTypeInterceptor {

    private static final Set<String> BODY_TYPES = Set.of(
            "application/fhir+json", "application/json", "application/json+fhir",
            "application/fhir+xml", "application/xml", "application/xml+fhir", "text/xml");

    /** What a search posted to {@code _search} may also send. */
    private static final String FORM = "application/x-www-form-urlencoded";
    private static final Set<RestOperationTypeEnum> SEARCHES =
            Set.of(RestOperationTypeEnum.SEARCH_TYPE, RestOperationTypeEnum.SEARCH_SYSTEM);

    private static final Set<String> FORMATS = Set.of(
            "json", "xml", "application/fhir+json", "application/json", "application/json+fhir",
            "application/fhir+xml", "application/xml", "application/xml+fhir", "text/xml", "text/json");

    private static final Set<String> ACCEPTABLE = Set.of(
            "*/*", "application/*", "text/*", "application/fhir+json", "application/json", "application/json+fhir",
            "application/fhir+xml", "application/xml", "application/xml+fhir", "text/xml", "text/json", "text/html");

    /** What a Bulk Data file download may also accept: it answers NDJSON. */
    private static final Set<String> NDJSON =
            Set.of("application/fhir+ndjson", "application/ndjson", "application/x-ndjson");
    private static final String DOWNLOAD_OPERATION = "$export-download";

    @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
    public boolean check(RequestDetails request, HttpServletRequest servletRequest) {
        checkBody(servletRequest, SEARCHES.contains(request.getRestOperationType()));
        checkFormat(request);
        return true;
    }

    private static void checkBody(HttpServletRequest request, boolean search) {
        String method = request.getMethod();
        boolean hasBody = request.getContentLengthLong() > 0 || request.getHeader("Transfer-Encoding") != null;
        if (!hasBody || !(method.equals("POST") || method.equals("PUT") || method.equals("PATCH"))) {
            return;
        }
        String contentType = request.getContentType();
        String type = contentType == null ? null : mediaType(contentType);
        if (type == null || !(BODY_TYPES.contains(type) || search && type.equals(FORM))) {
            throw HttpErrors.unsupportedMediaType("Unsupported Content-Type '" + contentType
                    + "': send application/fhir+json or application/fhir+xml"
                    + (FORM.equals(type) ? " (a form is accepted by _search only)" : ""));
        }
        String charset = parameter(contentType, "charset");
        if (charset != null && !charset.equalsIgnoreCase("utf-8")) {
            throw HttpErrors.unsupportedMediaType("Unsupported charset '" + charset + "' in Content-Type '"
                    + contentType + "': FHIR bodies are UTF-8");
        }
    }

    private static void checkFormat(RequestDetails request) {
        String[] format = request.getParameters().get("_format");
        if (format != null && format.length > 0) {
            String value = mediaType(format[0].replace(' ', '+'));
            if (!FORMATS.contains(value)) {
                throw HttpErrors.notAcceptable("Unsupported _format '" + format[0]
                        + "': use json, xml, application/fhir+json or application/fhir+xml");
            }
            return;
        }
        String accept = request.getHeader("Accept");
        if (accept == null || accept.isBlank()) {
            return;
        }
        boolean download = DOWNLOAD_OPERATION.equals(request.getOperation());
        for (String range : accept.split(",")) {
            String type = mediaType(range);
            if ((ACCEPTABLE.contains(type) || download && NDJSON.contains(type)) && quality(range) > 0) {
                return;
            }
        }
        throw HttpErrors.notAcceptable("None of the media types in Accept '" + accept
                + "' can be produced: use application/fhir+json or application/fhir+xml");
    }

    private static double quality(String range) {
        String q = parameter(range, "q");
        if (q == null) {
            return 1;
        }
        try {
            return Double.parseDouble(q);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The value of the media type parameter {@code name} (unquoted), or null. */
    private static String parameter(String value, String name) {
        String[] params = value.split(";");
        for (int i = 1; i < params.length; i++) {
            String p = params[i].trim();
            int eq = p.indexOf('=');
            if (eq > 0 && p.substring(0, eq).trim().equalsIgnoreCase(name)) {
                return p.substring(eq + 1).trim().replace("\"", "");
            }
        }
        return null;
    }

    private static String mediaType(String value) {
        int semicolon = value.indexOf(';');
        return (semicolon < 0 ? value : value.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
    }
}
