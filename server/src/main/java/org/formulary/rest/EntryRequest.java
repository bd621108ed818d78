package org.formulary.rest;

import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.MethodNotAllowedException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Resource;

/**
 * One entry of a transaction or batch Bundle, checked and taken apart: its method, the type, id, version or search
 * of its {@code request.url}, its resource, and its {@code ifMatch} / {@code ifNoneExist}. Immutable apart from
 * the resource, which the write changes. Not thread-safe.
 *
 * @param index the entry's position in the Bundle, from 0
 * @param method GET, POST, PUT or DELETE
 * @param url the request URL as given
 * @param type the resource type the URL names
 * @param id the id the URL names, or null
 * @param version the version the URL names ({@code _history/n}, GET only), or null
 * @param query the search of the URL (after {@code ?}), or null
 * @param resource the entry's resource (POST and PUT), or null
 * @param fullUrl the entry's {@code fullUrl}, or null
 * @param ifMatch the version {@code request.ifMatch} asks for, or null
 * @param ifNoneExist the search of {@code request.ifNoneExist} (POST only), or null
 */
record EntryRequest(int index, Bundle.HTTPVerb method, String url, String type, String id, String version,
        String query, IBaseResource resource, String fullUrl, Long ifMatch, String ifNoneExist) {

    /**
     * Reads entry {@code index} of a Bundle sent to {@code base}.
     *
     * @throws InvalidRequestException (400) if the entry is malformed
     * @throws ResourceNotFoundException (404) if it names a type this server does not serve
     * @throws MethodNotAllowedException (405) if it writes a read-only type
     */
    static EntryRequest parse(int index, Bundle.BundleEntryComponent entry, String base, Set<String> served,
            Set<String> readOnly) {
        Bundle.BundleEntryRequestComponent request = entry.getRequest();
        if (request.getMethod() == null || request.getMethod() == Bundle.HTTPVerb.NULL) {
            throw new InvalidRequestException("request.method is required (GET, POST, PUT or DELETE)");
        }
        Bundle.HTTPVerb method = request.getMethod();
        if (method != Bundle.HTTPVerb.GET && method != Bundle.HTTPVerb.POST && method != Bundle.HTTPVerb.PUT
                && method != Bundle.HTTPVerb.DELETE) {
            throw new MethodNotAllowedException(method.toCode() + " is not supported in a Bundle");
        }
        String url = request.getUrl();
        if (url == null || url.isBlank()) {
            throw new InvalidRequestException("request.url is required");
        }
        String relative = url.startsWith(base + "/") ? url.substring(base.length() + 1) : url;
        int question = relative.indexOf('?');
        String path = question < 0 ? relative : relative.substring(0, question);
        String query = question < 0 ? null : relative.substring(question + 1);
        String[] segments = path.startsWith("/") ? path.substring(1).split("/") : path.split("/");
        boolean history = segments.length == 4 && segments[2].equals("_history");
        if (segments.length != 1 && segments.length != 2 && !history) {
            throw new InvalidRequestException("request.url '" + url + "' is not [type], [type]/[id],"
                    + " [type]/[id]/_history/[version] or [type]?[search]");
        }
        String type = segments[0];
        if (!served.contains(type)) {
            throw new ResourceNotFoundException("Unknown resource type '" + type + "' in request.url '" + url + "'");
        }
        String id = segments.length > 1 ? segments[1] : null;
        if (id != null) {
            Ids.requireValid(id);
        }
        if (method != Bundle.HTTPVerb.GET && readOnly.contains(type)) {
            throw new MethodNotAllowedException(type + " is read-only on this server: the server records it with"
                    + " every write");
        }
        if (history && method != Bundle.HTTPVerb.GET) {
            throw new InvalidRequestException("request.url '" + url + "': only GET may name a version");
        }
        IBaseResource resource = entry.getResource();
        checkShape(method, type, id, query, resource, url);
        Long ifMatch = Ids.ifMatchVersion(request.getIfMatch());
        String ifNoneExist = request.getIfNoneExist();
        if (ifNoneExist != null && method != Bundle.HTTPVerb.POST) {
            throw new InvalidRequestException("request.ifNoneExist is for POST only");
        }
        return new EntryRequest(index, method, url, type, id, history ? segments[3] : null, query, resource,
                entry.getFullUrl(), ifMatch, ifNoneExist);
    }

    private static void checkShape(Bundle.HTTPVerb method, String type, String id, String query,
            IBaseResource resource, String url) {
        boolean writesResource = method == Bundle.HTTPVerb.POST || method == Bundle.HTTPVerb.PUT;
        if (writesResource && resource == null) {
            throw new InvalidRequestException(method.toCode() + " needs a resource in the entry");
        }
        if (writesResource && !type.equals(((Resource) resource).fhirType())) {
            throw new InvalidRequestException("The entry's resource is a " + ((Resource) resource).fhirType()
                    + " but request.url '" + url + "' names " + type);
        }
        if (method == Bundle.HTTPVerb.POST && (id != null || query != null)) {
            throw new InvalidRequestException("POST request.url must be [type] (use ifNoneExist for a condition)");
        }
        if (method == Bundle.HTTPVerb.PUT && (id == null) == (query == null)) {
            throw new InvalidRequestException("PUT request.url must be [type]/[id] or [type]?[search]");
        }
        if (method == Bundle.HTTPVerb.PUT && id != null && !id.equals(resource.getIdElement().getIdPart())) {
            throw new InvalidRequestException("The resource's id (" + resource.getIdElement().getIdPart()
                    + ") must equal the id in request.url (" + id + ")");
        }
        if (method == Bundle.HTTPVerb.DELETE && id == null) {
            throw new InvalidRequestException("DELETE request.url must be [type]/[id] (conditional delete is not"
                    + " supported)");
        }
    }

    /** Where the entry is, for error messages: {@code Bundle.entry[2] (POST Medication)}. */
    String describe() {
        return "Bundle.entry[" + index + "] (" + method.toCode() + " " + url + ")";
    }

    /** The resource the URL names, {@code Type/id}, or null for a type-level request. */
    String target() {
        return id == null ? null : type + "/" + id;
    }

    /** Whether the entry is a conditional create or a conditional update. */
    boolean conditional() {
        return ifNoneExist != null || (method == Bundle.HTTPVerb.PUT && query != null);
    }

    /** The order a transaction processes entries in: DELETE, POST, PUT, GET. */
    int processingOrder() {
        return switch (method) {
            case DELETE -> 0;
            case POST -> 1;
            case PUT -> 2;
            default -> 3;
        };
    }

}
