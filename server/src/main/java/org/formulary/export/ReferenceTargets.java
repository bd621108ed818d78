package org.formulary.export;

import ca.uhn.fhir.context.FhirContext;
import java.util.LinkedHashSet;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseReference;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.IdType;

/**
 * The resources on this server that a resource points at through its {@code Reference} elements, wherever they are
 * (extensions and contained resources included): relative references {@code Type/id}, with or without a version,
 * and absolute ones under this server's base. References to contained resources ({@code #id}), to other servers,
 * by identifier only, or by {@code urn:} are not followed. Thread-safe.
 */
final class ReferenceTargets {

    private final FhirContext ctx;

    ReferenceTargets(FhirContext ctx) {
        this.ctx = ctx;
    }

    /** The local targets of {@code resource}'s references, in document order, without duplicates. */
    Set<ResourceId> of(IBaseResource resource, String baseUrl) {
        Set<ResourceId> targets = new LinkedHashSet<>();
        for (IBaseReference reference
                : ctx.newTerser().getAllPopulatedChildElementsOfType(resource, IBaseReference.class)) {
            IIdType target = local(reference.getReferenceElement(), baseUrl);
            if (target != null) {
                targets.add(new ResourceId(target.getResourceType(), target.getIdPart()));
            }
        }
        return targets;
    }

    private IIdType local(IIdType reference, String baseUrl) {
        if (reference == null || reference.isEmpty() || reference.isLocal()
                || reference.getValue().startsWith("urn:")) {
            return null;
        }
        IIdType id = reference;
        if (reference.isAbsolute()) {
            String value = reference.getValue();
            if (!value.startsWith(baseUrl + "/")) {
                return null;
            }
            id = new IdType(value.substring(baseUrl.length() + 1));
        }
        if (!id.hasResourceType() || !id.hasIdPart() || !ctx.getResourceTypes().contains(id.getResourceType())) {
            return null;
        }
        return id;
    }
}
