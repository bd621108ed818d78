package org.formulary.store;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The one storage contract of the server: versioned FHIR resources with a search index.
 *
 * <p>Every write runs in one database transaction that stores the new version's payload, moves the current-version
 * pointer and replaces the resource's search-index rows; a write that fails changes nothing. Every accepted write
 * creates a new version that is kept forever ({@link #history}); a delete is a version too. The writes of
 * {@link ResourceWriter} each run as their own transaction; {@link #inTransaction} runs several as one.
 *
 * <p>Implementations are thread-safe: concurrent writes to one resource are serialised, and a write whose
 * {@code expectedVersion} no longer matches fails with {@link VersionConflictException}.
 */
public interface ResourceStore extends ResourceWriter {

    /**
     * Runs {@code work} as one unit of work: everything it writes through the given writer commits together, or
     * nothing does if it throws (the exception then reaches the caller). Units of work are serialised with every
     * other write, so what the work reads (a conditional create's search, say) cannot change before it commits:
     * two concurrent conditional creates of the same resource store it once. The writer is valid only while
     * {@code work} runs and only on its thread; {@code work} should be quick (validate before, not inside).
     */
    <T> T inTransaction(Function<ResourceWriter, T> work);

    /**
     * The version number, lastUpdated and deletion flag of the current version of {@code type/id}, read without
     * its content (cheap: for conditional and cached reads).
     */
    Optional<VersionStamp> currentStamp(String type, String id);

    /** One version of {@code type/id}, which may be a deletion. */
    Optional<StoredResource> vread(String type, String id, long versionId);

    /** A page of versions, newest first, for one resource, one type or the whole server. */
    HistoryPage history(HistoryQuery query);

    /**
     * For {@code _include}: the current, non-deleted resources that the reference parameter {@code param} of the
     * {@code sourceType} resources {@code sourceIds} points at, only of {@code targetType} if given; at most
     * {@code limit}.
     */
    List<StoredResource> referencedBy(
            String sourceType, Collection<String> sourceIds, String param, Optional<String> targetType, int limit);

    /**
     * For {@code _revinclude}: the current, non-deleted resources of {@code type} whose reference parameter
     * {@code param} points at one of {@code targets} ({@code Type/id}); at most {@code limit}.
     */
    List<StoredResource> referencing(String type, String param, Collection<String> targets, int limit);

    /**
     * Streams every resource of {@code type} as it stood at {@code asOf}: for each resource the newest version
     * stored at or before that instant, in id order, deletions included ({@link StoredResource#deleted()}). With
     * {@code since}, only resources whose version was stored after it. Implementations read through a database
     * cursor and hand each version to {@code action} as it arrives, so memory does not grow with the number of
     * resources; {@code action} runs on the calling thread and may throw to stop the stream.
     */
    void forEachAsOf(String type, Instant asOf, Optional<Instant> since, Consumer<StoredResource> action);

    /** The version of {@code type/id} that was current at {@code asOf} (possibly a deletion), if it existed then. */
    Optional<StoredResource> readAsOf(String type, String id, Instant asOf);

    /**
     * Makes the past up to {@code asOf} final: waits until every write stamped at or before that instant has
     * committed, and makes every write from now on stamp a later lastUpdated, on every node sharing the database.
     * Afterwards {@link #forEachAsOf} and {@link #readAsOf} at {@code asOf} give the same result each time. Waits
     * only for a write in progress, if any.
     */
    void sealUpTo(Instant asOf);
}
