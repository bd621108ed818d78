package org.formulary.rest;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.util.UrlUtil;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import org.formulary.search.Cursor;
import org.formulary.search.QueryParser;
import org.formulary.store.HistoryPage;
import org.formulary.store.SearchPage;
import org.formulary.store.StoredResource;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Resource;

/**
 * Builds searchset and history Bundles with stateless page links: each link repeats the request's parameters and
 * carries a keyset cursor, so that any server node can serve any page. Stateless.
 */
final class BundlePages {

    private BundlePages() {}

    static Bundle searchset(String base, String type, QueryParser.Parsed parsed, SearchPage page,
            List<StoredResource> included, Function<StoredResource, IBaseResource> parse) {
        Bundle bundle = newBundle(Bundle.BundleType.SEARCHSET);
        page.total().ifPresent(bundle::setTotal);
        String url = base + "/" + type;
        Map<String, List<String>> params = parsed.linkParams();
        bundle.addLink().setRelation("self").setUrl(link(url, params, parsed.query().cursor()));
        page.next().ifPresent(c -> bundle.addLink().setRelation("next").setUrl(link(url, params, Optional.of(c))));
        page.previous().ifPresent(c -> bundle.addLink().setRelation("previous")
                .setUrl(link(url, params, Optional.of(c))));
        for (StoredResource stored : page.matches()) {
            entry(bundle, base, stored, parse).getSearch().setMode(Bundle.SearchEntryMode.MATCH);
        }
        for (StoredResource stored : included) {
            entry(bundle, base, stored, parse).getSearch().setMode(Bundle.SearchEntryMode.INCLUDE);
        }
        return bundle;
    }

    private static Bundle.BundleEntryComponent entry(Bundle bundle, String base, StoredResource stored,
            Function<StoredResource, IBaseResource> parse) {
        return bundle.addEntry()
                .setFullUrl(base + "/" + stored.type() + "/" + stored.id())
                .setResource((Resource) parse.apply(stored));
    }

    static Bundle history(RequestDetails request, HistoryPage page, Function<StoredResource, IBaseResource> parse) {
        String base = request.getFhirServerBase();
        Bundle bundle = newBundle(Bundle.BundleType.HISTORY);
        // HAPI's history binding insists that what a @History method returns has an id.
        bundle.setId(UUID.randomUUID().toString());
        bundle.setTotal(page.total());
        String url = base + "/" + request.getRequestPath();
        Map<String, List<String>> params = new java.util.TreeMap<>();
        request.getParameters().forEach((k, v) -> {
            if (!k.equals("_cursor")) {
                params.put(k, List.of(v));
            }
        });
        String self = request.getParameters().containsKey("_cursor")
                ? link(url, params, "_cursor", request.getParameters().get("_cursor")[0])
                : link(url, params, null, null);
        bundle.addLink().setRelation("self").setUrl(self);
        if (page.hasMore() && !page.versions().isEmpty()) {
            long last = page.versions().get(page.versions().size() - 1).seq();
            bundle.addLink().setRelation("next").setUrl(link(url, params, "_cursor", Long.toString(last)));
        }
        for (StoredResource version : page.versions()) {
            Bundle.BundleEntryComponent entry = bundle.addEntry()
                    .setFullUrl(base + "/" + version.type() + "/" + version.id());
            String method;
            String status;
            if (version.deleted()) {
                method = "DELETE";
                status = "204 No Content";
            } else {
                entry.setResource((Resource) parse.apply(version));
                method = version.versionId() == 1 ? "POST" : "PUT";
                status = version.versionId() == 1 ? "201 Created" : "200 OK";
            }
            entry.getRequest()
                    .setMethod(Bundle.HTTPVerb.fromCode(method))
                    .setUrl(method.equals("POST") ? version.type() : version.type() + "/" + version.id());
            entry.getResponse()
                    .setStatus(status)
                    .setEtag("W/\"" + version.versionId() + "\"")
                    .setLastModified(Date.from(version.lastUpdated()));
        }
        return bundle;
    }

    private static Bundle newBundle(Bundle.BundleType type) {
        Bundle bundle = new Bundle();
        bundle.getMeta().setLastUpdated(new Date());
        bundle.setType(type);
        return bundle;
    }

    private static String link(String url, Map<String, List<String>> params, Optional<Cursor> cursor) {
        return link(url, params, "_cursor", cursor.map(Cursor::encode).orElse(null));
    }

    private static String link(String url, Map<String, List<String>> params, String extraName, String extraValue) {
        List<String> pairs = new ArrayList<>();
        params.forEach((name, values) -> values.forEach(v -> pairs.add(UrlUtil.escapeUrlParam(name) + "="
                + UrlUtil.escapeUrlParam(v))));
        if (extraValue != null) {
            pairs.add(extraName + "=" + UrlUtil.escapeUrlParam(extraValue));
        }
        return pairs.isEmpty() ? url : url + "?" + String.join("&", pairs);
    }
}
