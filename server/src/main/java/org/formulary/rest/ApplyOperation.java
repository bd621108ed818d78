package org.formulary.rest;

import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import org.formulary.clinical.DosingTemplates;
import org.formulary.clinical.StoredResources;
import org.hl7.fhir.r4.model.ActivityDefinition;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.StringType;

/**
 * {@code GET|POST [base]/ActivityDefinition/[id]/$apply?subject=Patient/[id]}: a dosing template applied to a
 * subject, returned as an unsaved MedicationRequest proposal. Thread-safe.
 */
public final class ApplyOperation {

    private final StoredResources resources;

    public ApplyOperation(StoredResources resources) {
        this.resources = resources;
    }

    @Operation(name = "$apply", type = ActivityDefinition.class, idempotent = true)
    public MedicationRequest apply(@IdParam IdType id, @OperationParam(name = "subject", min = 1) StringType subject) {
        Ids.requireValid(id.getIdPart());
        ActivityDefinition template = resources.read(ActivityDefinition.class, id.getIdPart())
                .orElseThrow(() -> new ResourceNotFoundException(id));
        return DosingTemplates.apply(template, subject == null ? null : subject.getValue());
    }
}
