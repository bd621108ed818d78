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
import ca.uhn.fhir.util.DateUtils;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.formulary.store.ResourceStore;
import org.formulary.store.StoredResource;
import org.formulary.store.VersionStamp;
import org.hl7.fhir.instance.model.api.IBaseResource;
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
    private final ReadCache cache;

    public CachedReadInterceptor(RestfulServer server, FhirContext ctx, ResourceStore store, ReadCache cache) {
        this.server = server;
        this.ctx = ctx;
        this.store = store;
        this.cache = cache;
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
            Optional<VersionStamp> stamp =
                    cache.currentVersion(type, id.getIdPart(), () -> store.currentStamp(type, id.getIdPart()));
            if (stamp.isEmpty() || stamp.get().deleted()) {
                return true;
            }
            version = stamp.get().versionId();
            if (notModified(request, version, stamp.get().lastUpdated().toEpochMilli())) {
                sendNotModified(response, version);
                return false;
            }
        }
        RestfulServerUtils.ResponseEncoding encoding =
                RestfulServerUtils.determineResponseEncodingNoDefault(request, server.getDefaultResponseEncoding());
        String contentType = encoding == null ? Constants.CT_FHIR_JSON_NEW : encoding.getResourceContentType();
        boolean pretty = RestfulServerUtils.prettyPrintResponse(server, request);
        ReadCache.Key key = new ReadCache.Key(type, id.getIdPart(), version, contentType, pretty);
        Optional<ReadCache.Body> body = cache.body(key, () -> serialize(request, type, id.getIdPart(), version));
        if (body.isEmpty()) {
            return true;
        }
        send(request, response, key, body.get(), vread);
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

    /**
     * Whether the client's copy is current: {@code If-None-Match} names the current version (in any ETag form), or,
     * without {@code If-None-Match}, the resource is not newer than {@code If-Modified-Since}.
     */
    private static boolean notModified(RequestDetails request, long version, long lastUpdated) {
        String ifNoneMatch = request.getHeader(Constants.HEADER_IF_NONE_MATCH);
        if (ifNoneMatch != null) {
            return Long.toString(version).equals(ParameterUtil.parseETagValue(ifNoneMatch));
        }
        return ConditionalReadInterceptor.notModifiedSince(request.getHeader(Constants.HEADER_IF_MODIFIED_SINCE),
                lastUpdated);
    }

    /** 304 without a body, with the validators and Cache-Control a 200 would carry (RFC 9110 15.4.5). */
    private void sendNotModified(HttpServletResponse response, long version) {
        response.setStatus(HttpServletResponse.SC_NOT_MODIFIED);
        server.addHeadersToResponse(response);
        response.setHeader(Constants.HEADER_CACHE_CONTROL, ConditionalReadInterceptor.REVALIDATE);
        response.setHeader(Constants.HEADER_ETAG, "W/\"" + version + "\"");
    }

    private Optional<ReadCache.Body> serialize(RequestDetails request, String type, String id, long version) {
        Optional<StoredResource> stored = store.vread(type, id, version).filter(s -> !s.deleted());
        return stored.map(s -> {
            IBaseResource resource = ctx.newJsonParser().parseResource(s.json());
            String text = RestfulServerUtils.getNewParser(ctx, ctx.getVersion().getVersion(), request)
                    .encodeResourceToString(resource);
            return new ReadCache.Body(text.getBytes(StandardCharsets.UTF_8), s.lastUpdated().toEpochMilli());
        });
    }

    private void send(RequestDetails request, HttpServletResponse response, ReadCache.Key key, ReadCache.Body body,
            boolean vread) throws IOException {
        response.setStatus(HttpServletResponse.SC_OK);
        server.addHeadersToResponse(response);
        response.setHeader(Constants.HEADER_CACHE_CONTROL,
                vread ? ConditionalReadInterceptor.IMMUTABLE : ConditionalReadInterceptor.REVALIDATE);
        response.setHeader(Constants.HEADER_ETAG, "W/\"" + key.versionId() + "\"");
        response.setHeader(Constants.HEADER_CONTENT_LOCATION, request.getFhirServerBase() + "/" + key.type() + "/"
                + key.id() + "/" + Constants.PARAM_HISTORY + "/" + key.versionId());
        response.setHeader(Constants.HEADER_LAST_MODIFIED, DateUtils.formatDate(new Date(body.lastUpdated())));
        response.setContentType(key.contentType());
        response.setCharacterEncoding(Constants.CHARSET_NAME_UTF8);
        response.setContentLength(body.bytes().length);
        response.getOutputStream().write(body.bytes());
    }
}
