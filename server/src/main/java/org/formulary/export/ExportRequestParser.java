package org.formulary.export;

import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.Parameters;

/**
 * Checks a Bulk Data kick-off request and resolves it into an {@link ExportRequest}: {@code Prefer: respond-async}
 * is required, {@code _outputFormat} must name NDJSON, {@code _since} must be a FHIR instant, every {@code _type}
 * must be a type in the request's scope, and any other parameter (such as {@code _typeFilter} or
 * {@code _elements}) is refused. Refusals answer 400 with an OperationOutcome; under
 * {@code Prefer: handling=lenient}, unknown types and unsupported parameters are ignored instead and reported in
 * the manifest's {@code error[]}. Stateless, thread-safe.
 */
final class ExportRequestParser {

    /** The {@code _outputFormat} values accepted, all meaning FHIR NDJSON. */
    static final Set<String> OUTPUT_FORMATS = Set.of("application/fhir+ndjson", "application/ndjson", "ndjson");

    private static final Set<String> KNOWN = Set.of("_outputFormat", "_since", "_type");
    /** Parameters the HTTP layer answers for every request; they do not change what is exported. */
    private static final Set<String> FRAMEWORK = Set.of("_format", "_pretty");
    /** A FHIR instant: seconds precision at least and a time zone. */
    private static final Pattern INSTANT =
            Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})");

    private ExportRequestParser() {}

    /**
     * The export {@code request} asks for.
     *
     * @param inScope the types the request may export: every served type, or the one type of a type-level request
     * @param focus the resource of an instance-level request
     * @throws InvalidRequestException (400) for a request that cannot be honoured
     */
    static ExportRequest parse(ServletRequestDetails request, String outputFormat, String since, List<String> types,
            Set<String> inScope, Optional<ResourceId> focus) {
        Prefer prefer = Prefer.of(request.getHeaders("Prefer"));
        if (!prefer.respondAsync()) {
            throw new InvalidRequestException("$export is asynchronous: send the header 'Prefer: respond-async'");
        }
        List<String> notes = new ArrayList<>();
        for (String name : parameterNames(request)) {
            if (!KNOWN.contains(name) && !FRAMEWORK.contains(name)) {
                refuse("Parameter '" + name + "' is not supported by $export on this server (supported: _type, _since,"
                        + " _outputFormat)", prefer, notes);
            }
        }
        checkOutputFormat(outputFormat);
        return new ExportRequest(requestUrl(request), request.getFhirServerBase(),
                resolveTypes(types, inScope, prefer, notes), parseSince(since), focus, notes);
    }

    private static void checkOutputFormat(String outputFormat) {
        if (outputFormat == null) {
            return;
        }
        // An unencoded '+' in a query string arrives as a space.
        String format = outputFormat.trim().replace(' ', '+').toLowerCase(Locale.ROOT);
        if (!OUTPUT_FORMATS.contains(format)) {
            throw new InvalidRequestException("Unsupported _outputFormat '" + outputFormat
                    + "': this server writes NDJSON only (application/fhir+ndjson, application/ndjson or ndjson)");
        }
    }

    private static Optional<Instant> parseSince(String since) {
        if (since == null) {
            return Optional.empty();
        }
        String value = since.trim().replace(' ', '+');
        if (!INSTANT.matcher(value).matches()) {
            throw new InvalidRequestException("Invalid _since '" + since
                    + "': expected a FHIR instant with seconds and a time zone, e.g. 2024-01-01T00:00:00Z");
        }
        try {
            return Optional.of(new InstantType(value).getValue().toInstant());
        } catch (RuntimeException e) {
            throw new InvalidRequestException("Invalid _since '" + since + "': " + e.getMessage());
        }
    }

    private static List<String> resolveTypes(List<String> requested, Set<String> inScope, Prefer prefer,
            List<String> notes) {
        List<String> names = requested == null ? List.of() : requested.stream()
                .flatMap(value -> Arrays.stream(value.split(",")))
                .map(String::trim)
                .filter(name -> !name.isEmpty())
                .toList();
        if (names.isEmpty()) {
            return List.copyOf(new TreeSet<>(inScope));
        }
        Set<String> types = new LinkedHashSet<>();
        for (String name : names) {
            if (inScope.contains(name)) {
                types.add(name);
            } else {
                refuse("_type '" + name + "' cannot be exported here; types in scope: "
                        + String.join(", ", new TreeSet<>(inScope)), prefer, notes);
            }
        }
        return List.copyOf(types);
    }

    private static void refuse(String message, Prefer prefer, List<String> notes) {
        if (!prefer.lenient()) {
            throw new InvalidRequestException(message + ". With 'Prefer: handling=lenient' it is ignored instead.");
        }
        notes.add(message + "; ignored (Prefer: handling=lenient)");
    }

    private static Set<String> parameterNames(ServletRequestDetails request) {
        Set<String> names = new LinkedHashSet<>(request.getParameters().keySet());
        if (request.getResource() instanceof Parameters body) {
            body.getParameter().forEach(p -> names.add(p.getName()));
        }
        return names;
    }

    /** The kick-off URL under the public base; a POST's parameters are in its body, so it has no query. */
    private static String requestUrl(ServletRequestDetails request) {
        String query = request.getServletRequest().getQueryString();
        return request.getFhirServerBase() + "/" + request.getRequestPath()
                + (request.getRequestType() == RequestTypeEnum.GET && query != null ? "?" + query : "");
    }

    /** The preferences of the {@code Prefer} header(s): comma-separated tokens. */
    record Prefer(boolean respondAsync, boolean lenient) {

        static Prefer of(List<String> headers) {
            boolean async = false;
            boolean lenient = false;
            for (String header : headers == null ? List.<String>of() : headers) {
                for (String token : header.split("[,;]")) {
                    String t = token.trim().toLowerCase(Locale.ROOT).replace(" ", "");
                    async |= t.equals("respond-async");
                    lenient |= t.equals("handling=lenient");
                }
            }
            return new Prefer(async, lenient);
        }
    }
}
