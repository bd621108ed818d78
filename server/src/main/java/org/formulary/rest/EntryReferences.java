package org.formulary.rest;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.Map;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Reference;

/**
 * Points the references of a transaction's resources at the resources the transaction writes: a reference to an
 * entry's {@code fullUrl} ({@code urn:uuid:...}, or an absolute URL) becomes that entry's {@code Type/id}.
 * Stateless, thread-safe.
 */
final class EntryReferences {

    private EntryReferences() {}

    /**
     * Replaces every reference in {@code resource} (contained resources and extensions included) that is a key of
     * {@code targets} by its value.
     *
     * @throws InvalidRequestException if a {@code urn:uuid:} or {@code urn:oid:} reference names no entry
     */
    static void rewrite(FhirContext ctx, IBaseResource resource, Map<String, String> targets) {
        for (Reference reference : ctx.newTerser().getAllPopulatedChildElementsOfType(resource, Reference.class)) {
            String value = reference.getReference();
            if (value == null) {
                continue;
            }
            String target = targets.get(value);
            if (target != null) {
                reference.setReference(target);
            } else if (value.startsWith("urn:uuid:") || value.startsWith("urn:oid:")) {
                throw new InvalidRequestException("Reference '" + value + "' names no entry of the Bundle (no entry"
                        + " has that fullUrl)");
            }
        }
    }
}
