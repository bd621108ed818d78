package org.formulary.store;

import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * Hears about the writes of the validating write path ({@code ValidatingResourceStore}), from clients and from the
 * content loader alike: {@link #committed} after each write that changed something has committed. Two optional
 * steps run before a write: {@link #beforeWrite} (to complete or reject a create or update) and
 * {@link #beforeDelete} (to look at a resource while it is still current and searchable, since a deletion removes
 * its search-index rows).
 *
 * <p>All three run on the writer's thread. {@link #committed} must be quick and must not block on anything slow
 * (hand slow work to another thread); an exception it throws is logged and does not fail the write, which has
 * committed already. Implementations must be thread-safe: concurrent writes call them concurrently.
 */
public interface WriteListener {

    /**
     * Called after a create, update or delete committed. Not called for an update that stored no new version
     * (content unchanged) nor for a delete that found nothing to delete.
     */
    void committed(WriteEvent event);

    /**
     * Called before a create or update of {@code type} is validated and stored. May complete {@code resource}
     * (which is then validated as it is) or reject the write by throwing, for example, an
     * {@code UnprocessableEntityException} (HTTP 422). The default does nothing.
     */
    default void beforeWrite(String type, IBaseResource resource) {
    }

    /**
     * Called before {@code type/id} is deleted, while its current version is still stored and searchable. Returns
     * the listener to tell if the deletion commits: this listener (the default), or one that carries what this
     * step found out. Never called for a deletion that fails before it is attempted.
     */
    default WriteListener beforeDelete(String type, String id) {
        return this;
    }
}
