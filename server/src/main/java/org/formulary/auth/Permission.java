package org.formulary.auth;

/**
 * One thing a request needs its token to allow: an interaction on a resource type, or on every type when
 * {@code type} is {@link #EVERY_TYPE}. Immutable and thread-safe.
 *
 * @param type a resource type, or {@code *}
 * @param interaction what is done to resources of that type
 */
public record Permission(String type, Interaction interaction) {

    /** The type of a permission on every resource type. */
    public static final String EVERY_TYPE = "*";

    /** The narrowest SMART v2 scope that grants this permission, e.g. {@code system/Medication.c}. */
    public String scope() {
        return "system/" + type + "." + interaction.letter();
    }
}
