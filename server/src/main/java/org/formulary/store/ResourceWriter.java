package org.formulary.store;

import java.util.Optional;
import org.formulary.search.SearchQuery;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * The writes of the store, and the reads a write decides on (a conditional create searches, a transaction reads
 * what it wrote). {@link ResourceStore} runs each call as its own transaction; the writer that
 * {@link ResourceStore#inTransaction} hands to its work runs them all in one transaction, where the reads see the
 * writes made before them. Writes stamp {@code meta.versionId} and {@code meta.lastUpdated} on the resource they
 * are given.
 */
public interface ResourceWriter {

    /** Stores a new resource under a server-assigned id and returns its first version. */
    StoredResource create(IBaseResource resource);

    /**
     * Stores {@code resource} as the next version of {@code type/id}, creating the resource if it does not exist.
     * If the content equals the current, non-deleted version (ignoring {@code meta.versionId} and
     * {@code meta.lastUpdated}) no version is created and the current one is returned with
     * {@link WriteOutcome#changed()} false.
     *
     * @param expectedVersion the version the client based its change on, or {@code null} for no check
     * @throws VersionConflictException if {@code expectedVersion} is not the current version
     */
    WriteOutcome update(String type, String id, IBaseResource resource, Long expectedVersion);

    /**
     * Deletes {@code type/id} by storing a deletion version. Deleting a resource that does not exist or is already
     * deleted changes nothing and returns an empty result.
     *
     * @throws VersionConflictException if {@code expectedVersion} is given and is not the current version
     */
    Optional<StoredResource> delete(String type, String id, Long expectedVersion);

    /** The current version of {@code type/id}, which may be a deletion ({@link StoredResource#deleted()}). */
    Optional<StoredResource> read(String type, String id);

    /** A page of current, non-deleted resources matching {@code query}, answered from the search index only. */
    SearchPage search(SearchQuery query);
}
