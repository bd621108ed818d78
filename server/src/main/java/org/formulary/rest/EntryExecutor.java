package org.formulary.rest;

import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.util.UrlUtil;
import java.util.Date;
import java.util.Optional;
import org.eclipse.jetty.http.HttpStatus;
import org.formulary.search.SearchQuery;
import org.formulary.store.ResourceWriter;
import org.formulary.store.StoredResource;
import org.formulary.store.WriteOutcome;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Resource;

/**
 * Runs the entries of transaction and batch Bundles on the writer of a unit of work and answers each with its
 * response entry ({@code response.status}, {@code location}, {@code etag}, {@code lastModified}). A conditional
 * entry is first {@link #resolve resolved} to the resource it writes, so a transaction can resolve all of them
 * before it writes anything. Thread-safe.
 */
final class EntryExecutor {

    /**
     * What a write entry writes.
     *
     * @param id the id it writes (a new id for a create)
     * @param existing for a conditional create that matched: the matched resource, which it leaves as it is
     */
    record Resolution(String id, Optional<StoredResource> existing) {}

    private final FormularyServices services;
    private final ConditionalWrites conditions;

    EntryExecutor(FormularyServices services) {
        this.services = services;
        this.conditions = services.conditions();
    }

    /**
     * What {@code entry} writes: a POST {@code newId}, unless its {@code ifNoneExist} matches a resource; a PUT
     * its URL's id, or for {@code [type]?[search]} what {@link ConditionalWrites#updateTarget} finds.
     */
    Resolution resolve(ResourceWriter writer, EntryRequest entry, String newId) {
        if (entry.ifNoneExist() != null) {
            SearchQuery condition = conditions.condition(entry.type(), entry.ifNoneExist());
            Optional<StoredResource> existing = conditions.match(writer, condition);
            return new Resolution(existing.map(StoredResource::id).orElse(newId), existing);
        }
        if (entry.method() == Bundle.HTTPVerb.PUT && entry.query() != null) {
            SearchQuery condition = conditions.condition(entry.type(), entry.query());
            String ownId = entry.resource().getIdElement().getIdPart();
            return new Resolution(conditions.updateTarget(writer, entry.type(), ownId, condition, newId),
                    Optional.empty());
        }
        return new Resolution(entry.method() == Bundle.HTTPVerb.POST ? newId : entry.id(), Optional.empty());
    }

    /** Runs {@code entry}, resolved to {@code resolution}, and returns its response entry. */
    Bundle.BundleEntryComponent execute(ResourceWriter writer, EntryRequest entry, Resolution resolution,
            String base, boolean representation) {
        switch (entry.method()) {
            case POST:
            case PUT:
                return write(writer, entry, resolution, base, representation);
            case DELETE:
                return delete(writer, entry);
            default:
                return get(writer, entry, base);
        }
    }

    private Bundle.BundleEntryComponent write(ResourceWriter writer, EntryRequest entry, Resolution resolution,
            String base, boolean representation) {
        WriteOutcome written;
        if (resolution.existing().isPresent()) {
            written = new WriteOutcome(resolution.existing().get(), false, false);
        } else {
            Long expected = entry.ifMatch();
            written = Ids.onConflict(() -> writer.update(entry.type(), resolution.id(), entry.resource(),
                    expected));
        }
        StoredResource stored = written.resource();
        Bundle.BundleEntryComponent response = versionEntry(stored, written.created() ? 201 : 200, base);
        if (representation) {
            response.setResource((Resource) services.parse(stored));
        }
        return response;
    }

    private Bundle.BundleEntryComponent delete(ResourceWriter writer, EntryRequest entry) {
        Optional<StoredResource> deleted = Ids.onConflict(() -> writer.delete(entry.type(), entry.id(),
                entry.ifMatch()));
        Bundle.BundleEntryComponent response = new Bundle.BundleEntryComponent();
        response.getResponse().setStatus(status(204));
        deleted.ifPresent(d -> response.getResponse().setEtag(etag(d)).setLastModified(
                Date.from(d.lastUpdated())));
        return response;
    }

    private Bundle.BundleEntryComponent get(ResourceWriter writer, EntryRequest entry, String base) {
        if (entry.id() == null) {
            Bundle searchset = services.search(entry.type(), UrlUtil.parseQueryString(entry.query()), base, writer);
            Bundle.BundleEntryComponent response = new Bundle.BundleEntryComponent().setResource(searchset);
            response.getResponse().setStatus(status(200));
            return response;
        }
        if (entry.query() != null) {
            throw new InvalidRequestException("request.url '" + entry.url() + "': a read takes no parameters");
        }
        Optional<StoredResource> found = entry.version() == null
                ? writer.read(entry.type(), entry.id())
                : services.store().vread(entry.type(), entry.id(),
                        Ids.version(new IdType(entry.type(), entry.id(), entry.version())));
        StoredResource stored = found.orElseThrow(() -> new ResourceNotFoundException(entry.type() + "/"
                + entry.id() + (entry.version() == null ? "" : "/_history/" + entry.version()) + " is not known"));
        if (stored.deleted()) {
            throw new ResourceGoneException(entry.type() + "/" + entry.id() + " was deleted in version "
                    + stored.versionId());
        }
        Bundle.BundleEntryComponent response = versionEntry(stored, 200, base);
        response.setResource((Resource) services.parse(stored));
        return response;
    }

    /** A response entry for a stored version: status, location, etag, lastModified and fullUrl. */
    private static Bundle.BundleEntryComponent versionEntry(StoredResource stored, int status, String base) {
        Bundle.BundleEntryComponent entry = new Bundle.BundleEntryComponent()
                .setFullUrl(base + "/" + stored.type() + "/" + stored.id());
        entry.getResponse()
                .setStatus(status(status))
                .setLocation(stored.type() + "/" + stored.id() + "/_history/" + stored.versionId())
                .setEtag(etag(stored))
                .setLastModifiedElement(new InstantType(Date.from(stored.lastUpdated())));
        return entry;
    }

    /** A batch entry's failure: its status and the OperationOutcome. */
    static Bundle.BundleEntryComponent failure(int status, OperationOutcome outcome) {
        Bundle.BundleEntryComponent entry = new Bundle.BundleEntryComponent();
        entry.getResponse().setStatus(status(status)).setOutcome(outcome);
        return entry;
    }

    private static String etag(StoredResource stored) {
        return "W/\"" + stored.versionId() + "\"";
    }

    private static String status(int code) {
        return code + " " + HttpStatus.getMessage(code);
    }
}
