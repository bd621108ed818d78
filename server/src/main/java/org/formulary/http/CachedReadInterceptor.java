package org.formulary.http;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.ParameterUtil;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.RestfulServerUtils;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.formulary.store.ResourceStore;
import org.formulary.store.StoredResource;
import org.formulary.store.VersionStamp;
import org.hl7.fhir.instance.model.api.IIdType;

/**
 * Answers reads and vreads from {@link ReadCache}: a read looks up only the current version number and lastUpdated
 * of the resource (no JSON; usually known without a query), answers {@code If-None-Match} and
 * {@code If-Modified-Since} from them with a 304 of its own, and otherwise sends the cached body of that version,
 * serialized once on a miss exactly as HAPI would (same parser settings, headers and Cache-Control). Everything else — other
 * interactions, reads with parameters other than {@code _format} and {@code _pretty}, unknown, deleted or invalid
 * ids — goes on to HAPI's own handling (and its 404, 410 or 400). Runs after the other request checks of its
 * pointcut (content negotiation, authentication). Thread-safe.
 */
@Interceptor
public final class CachedReadInterceptor {

    private static final Set<String> OUTPUT_PARAMETERS = Set.of(Constants.PARAM_FORMAT, Constants.PARAM_PRETTY);

    private final RestfulServer server;
    private final FhirContext ctx;
    private final ResourceStore store;
    private final ReadAnswers answers;

    CachedReadInterceptor(RestfulServer server, FhirContext ctx, ResourceStore store, ReadAnswers answers) {
        this.server = server;
        this.ctx = ctx;
        this.store = store;
        this.answers = answers;
    }

    /** Answers a read or vread it can answer (returning false: HAPI stops there); true lets HAPI handle it. */
    @Hook(value = Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED, order = 100)
    public boolean read(RequestDetails request, HttpServletResponse response) throws IOException {
        if (!isPlainRead(request)) {
            return true;
        }
        String type = request.getResourceName();
        IIdType id = request.getId();
        boolean vread = id.hasVersionIdPart();
        long version;
        if (vread) {
            OptionalLong parsed = versionOf(id);
            if (parsed.isEmpty() || hasConditions(request)) {
                // Not a version this cache can hold (an overflowing number, say): the provider answers it.
                return true;
            }
            version = parsed.getAsLong();
        } else {
            Optional<VersionStamp> stamp = answers.current(type, id.getIdPart());
            if (stamp.isEmpty()) {
                return true;
            }
            version = stamp.get().versionId();
            if (ReadAnswers.notModified(request.getHeader(Constants.HEADER_IF_NONE_MATCH),
                    request.getHeader(Constants.HEADER_IF_MODIFIED_SINCE), stamp.get())) {
                response.setStatus(HttpServletResponse.SC_NOT_MODIFIED);
                answers.notModifiedHeaders(version, response::setHeader);
                return false;
            }
        }
        RestfulServerUtils.ResponseEncoding encoding =
                RestfulServerUtils.determineResponseEncodingNoDefault(request, server.getDefaultResponseEncoding());
        String contentType = encoding == null ? Constants.CT_FHIR_JSON_NEW : encoding.getResourceContentType();
        boolean pretty = RestfulServerUtils.prettyPrintResponse(server, request);
        ReadCache.Key key = new ReadCache.Key(type, id.getIdPart(), version, contentType, pretty);
        Optional<ReadCache.Body> body =
                answers.cache().body(key, () -> serialize(request, type, id.getIdPart(), version));
        if (body.isEmpty()) {
            return true;
        }
        response.setStatus(HttpServletResponse.SC_OK);
        answers.okHeaders(key, body.get(), vread, response::setHeader);
        response.setContentLength(body.get().bytes().length);
        response.getOutputStream().write(body.get().bytes());
        return false;
    }

    private static OptionalLong versionOf(IIdType id) {
        try {
            return OptionalLong.of(Long.parseLong(id.getVersionIdPart()));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    private static boolean isPlainRead(RequestDetails request) {
        IIdType id = request.getId();
        return request.getRequestType() == RequestTypeEnum.GET && request.getResourceName() != null
                && id != null && id.hasIdPart() && request.getOperation() == null
                && request.getCompartmentName() == null
                && OUTPUT_PARAMETERS.containsAll(request.getParameters().keySet());
    }

    private static boolean hasConditions(RequestDetails request) {
        return request.getHeader(Constants.HEADER_IF_NONE_MATCH) != null
                || request.getHeader(Constants.HEADER_IF_MODIFIED_SINCE) != null;
    }

    private Optional<ReadCache.Body> serialize(RequestDetails request, String type, String id, long version) {
        Optional<StoredResource> stored = store.vread(type, id, version).filter(s -> !s.deleted());
        return stored.map(s -> ReadCache.Body.encode(ctx, request, ctx.newJsonParser().parseResource(s.json()),
                s.lastUpdated().toEpochMilli()));
    }
}
