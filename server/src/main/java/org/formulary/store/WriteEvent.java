package org.formulary.store;

/**
 * One committed write, as {@link WriteListener}s hear about it. Immutable and thread-safe.
 *
 * @param kind what the write did
 * @param version the version the write stored: the new content for a create or update, the deletion version (with
 *     {@code json} {@code null}) for a delete
 */
public record WriteEvent(Kind kind, StoredResource version) {

    /** What a committed write did to its resource. */
    public enum Kind {
        /** The resource did not exist (or was deleted) and now has content. */
        CREATE,
        /** The resource existed and got a new version with different content. */
        UPDATE,
        /** The resource was deleted; {@link #version()} is the deletion version. */
        DELETE
    }

    /** The resource type. */
    public String type() {
        return version.type();
    }

    /** The logical id. */
    public String id() {
        return version.id();
    }
}
