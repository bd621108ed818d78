package org.formulary.export;

/**
 * A resource's type and logical id, e.g. {@code InsurancePlan/formulary}. Immutable, thread-safe.
 *
 * @param type the resource type
 * @param id the logical id
 */
public record ResourceId(String type, String id) {

    @Override
    public String toString() {
        return type + "/" + id;
    }
}
