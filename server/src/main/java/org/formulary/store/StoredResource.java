package org.formulary.store;

import java.time.Instant;

/**
 * One stored version of a resource.
 *
 * @param type the resource type
 * @param id the logical id
 * @param versionId the version, counting from 1
 * @param lastUpdated when this version was stored
 * @param deleted whether this version is a deletion, in which case {@code json} is {@code null}
 * @param json the resource as JSON, with {@code meta.versionId} and {@code meta.lastUpdated} set
 * @param seq position of this version in the server-wide change feed
 */
public record StoredResource(
        String type, String id, long versionId, Instant lastUpdated, boolean deleted, String json, long seq) {}
