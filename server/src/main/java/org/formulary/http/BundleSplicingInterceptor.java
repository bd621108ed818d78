package org.formulary.http;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.ResponseDetails;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.RestfulServerUtils;
import ca.uhn.fhir.util.DateUtils;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.Basic;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Resource;

/**
 * Writes searchset and history Bundles in plain JSON (no {@code _format}, {@code _pretty}, {@code _summary},
 * {@code _elements}, gzip or pretty printing asked for) with each entry's resource taken from the response bodies of
 * {@link ReadCache}, encoded once per version, instead of HAPI encoding every resource of every page again: the
 * Bundle's own elements are encoded by HAPI around placeholders, which the cached bodies then replace. The bytes
 * are those HAPI would write, and so are the headers, but for the {@code Content-Location} HAPI gives a history
 * Bundle ({@code /Bundle/[random id]}, which cannot be read), left out here. A version's body encoded here is kept for reads too. Runs
 * after the other hooks of its pointcut ({@code _total}, {@code Cache-Control}); anything else goes on to HAPI.
 * Thread-safe.
 */
@Interceptor
public final class BundleSplicingInterceptor {

    private static final String JSON = Constants.CT_FHIR_JSON_NEW;
    private static final String PLACEHOLDER_PREFIX = "formulary-splice-";

    private final RestfulServer server;
    private final FhirContext ctx;
    private final ReadCache cache;

    BundleSplicingInterceptor(RestfulServer server, FhirContext ctx, ReadCache cache) {
        this.server = server;
        this.ctx = ctx;
        this.cache = cache;
    }

    /** Writes the Bundle itself (returning false: HAPI writes nothing more) when it can; true lets HAPI write it. */
    @Hook(value = Pointcut.SERVER_OUTGOING_RESPONSE, order = 1000)
    public boolean write(RequestDetails request, ResponseDetails response, HttpServletResponse servlet)
            throws IOException {
        if (!(response.getResponseResource() instanceof Bundle bundle) || !plainJson(request)
                || (bundle.getType() != Bundle.BundleType.SEARCHSET && bundle.getType() != Bundle.BundleType.HISTORY)) {
            return true;
        }
        List<Resource> resources = new ArrayList<>();
        List<byte[]> bodies = new ArrayList<>();
        for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
            Resource resource = entry.getResource();
            if (resource == null) {
                resources.add(null);
                continue;
            }
            Optional<byte[]> body = body(request, resource);
            if (body.isEmpty()) {
                restore(bundle, resources);
                return true;
            }
            resources.add(resource);
            bodies.add(body.get());
            entry.setResource(new Basic().setId(PLACEHOLDER_PREFIX + (bodies.size() - 1)));
        }
        String skeleton = RestfulServerUtils.getNewParser(ctx, ctx.getVersion().getVersion(), request)
                .encodeResourceToString(bundle);
        List<String> pieces = split(skeleton, bodies.size());
        if (pieces.isEmpty()) {
            restore(bundle, resources);
            return true;
        }
        servlet.setStatus(response.getResponseCode());
        server.addHeadersToResponse(servlet);
        if (bundle.getMeta().getLastUpdated() != null) {
            servlet.setHeader(Constants.HEADER_LAST_MODIFIED, DateUtils.formatDate(bundle.getMeta().getLastUpdated()));
        }
        servlet.setContentType(JSON);
        servlet.setCharacterEncoding(Constants.CHARSET_NAME_UTF8);
        ServletOutputStream out = servlet.getOutputStream();
        for (int i = 0; i < pieces.size(); i++) {
            out.write(pieces.get(i).getBytes(StandardCharsets.UTF_8));
            if (i < bodies.size()) {
                out.write(bodies.get(i));
            }
        }
        return false;
    }

    private boolean plainJson(RequestDetails request) {
        if (request.getRequestType() != RequestTypeEnum.GET || request.isRespondGzip()) {
            return false;
        }
        for (String name : request.getParameters().keySet()) {
            if (name.equals(Constants.PARAM_FORMAT) || name.equals(Constants.PARAM_PRETTY)
                    || name.startsWith(Constants.PARAM_SUMMARY) || name.startsWith(Constants.PARAM_ELEMENTS)) {
                return false;
            }
        }
        RestfulServerUtils.ResponseEncoding encoding =
                RestfulServerUtils.determineResponseEncodingNoDefault(request, server.getDefaultResponseEncoding());
        return (encoding == null || JSON.equals(encoding.getResourceContentType()))
                && !RestfulServerUtils.prettyPrintResponse(server, request);
    }

    /** The plain JSON body of {@code resource}'s version, from the cache or encoded now (and kept). */
    private Optional<byte[]> body(RequestDetails request, Resource resource) {
        String version = resource.getMeta().getVersionId();
        if (!resource.getIdElement().hasIdPart() || version == null || !version.chars().allMatch(Character::isDigit)
                || version.isEmpty() || version.length() > 18 || resource.getMeta().getLastUpdated() == null) {
            return Optional.empty();
        }
        ReadCache.Key key = new ReadCache.Key(resource.fhirType(), resource.getIdElement().getIdPart(),
                Long.parseLong(version), JSON, false);
        return cache.body(key, () -> Optional.of(ReadCache.Body.encode(ctx, request, resource,
                resource.getMeta().getLastUpdated().getTime()))).map(ReadCache.Body::bytes);
    }

    /** The text around the {@code count} placeholders, in order; empty if any is not found exactly where expected. */
    private static List<String> split(String skeleton, int count) {
        List<String> pieces = new ArrayList<>();
        int from = 0;
        for (int i = 0; i < count; i++) {
            String placeholder = "{\"resourceType\":\"Basic\",\"id\":\"" + PLACEHOLDER_PREFIX + i + "\"}";
            int at = skeleton.indexOf(placeholder, from);
            if (at < 0) {
                return List.of();
            }
            pieces.add(skeleton.substring(from, at));
            from = at + placeholder.length();
        }
        pieces.add(skeleton.substring(from));
        return pieces;
    }

    private static void restore(Bundle bundle, List<Resource> resources) {
        for (int i = 0; i < resources.size(); i++) {
            if (resources.get(i) != null) {
                bundle.getEntry().get(i).setResource(resources.get(i));
            }
        }
    }
}
