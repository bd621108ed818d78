package org.formulary.store;

import java.time.Instant;

/**
 * What a conditional or cached read needs to know of a resource's current version, without its content.
 * Immutable and thread-safe.
 *
 * @param versionId the current version, counting from 1
 * @param lastUpdated when that version was stored
 * @param deleted whether that version is a deletion
 */
public record VersionStamp(long versionId, Instant lastUpdated, boolean deleted) {}
