package org.formulary.store;

/**
 * The result of an update.
 *
 * @param resource the version that is now current
 * @param created whether the update created the resource (it did not exist or was deleted)
 * @param changed whether a new version was stored
 */
public record WriteOutcome(StoredResource resource, boolean created, boolean changed) {}
