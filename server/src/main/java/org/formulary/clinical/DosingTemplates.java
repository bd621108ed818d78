package org.formulary.clinical;

import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.util.Date;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.ActivityDefinition;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.Reference;

/**
 * Applies a dosing template (an ActivityDefinition of kind MedicationRequest) to a subject: the result is a new,
 * unsaved MedicationRequest (status draft, intent proposal) carrying the template's product and dosage, as the
 * FHIR {@code ActivityDefinition/$apply} operation defines. Stateless.
 */
public final class DosingTemplates {

    private static final Pattern SUBJECT = Pattern.compile("(Patient|Group)/[A-Za-z0-9\\-.]{1,64}");

    private DosingTemplates() {}

    /** The proposal that applying {@code template} to {@code subject} ({@code Patient/x} or {@code Group/x}) gives. */
    public static MedicationRequest apply(ActivityDefinition template, String subject) {
        if (subject == null || !SUBJECT.matcher(subject.trim()).matches()) {
            throw new InvalidRequestException("Invalid value for parameter 'subject': '" + subject
                    + "' (expected Patient/[id] or Group/[id])");
        }
        if (template.getKind() != ActivityDefinition.ActivityDefinitionKind.MEDICATIONREQUEST) {
            throw new UnprocessableEntityException("ActivityDefinition/" + template.getIdElement().getIdPart()
                    + " is of kind " + template.getKind() + "; only MedicationRequest templates can be applied");
        }
        MedicationRequest request = new MedicationRequest();
        request.setStatus(MedicationRequest.MedicationRequestStatus.DRAFT);
        request.setIntent(MedicationRequest.MedicationRequestIntent.PROPOSAL);
        request.setSubject(new Reference(subject.trim()));
        request.setAuthoredOn(new Date());
        if (template.hasUrl()) {
            request.addInstantiatesCanonical(template.hasVersion()
                    ? template.getUrl() + "|" + template.getVersion() : template.getUrl());
        }
        if (template.hasProductReference()) {
            request.setMedication(template.getProductReference().copy());
        } else if (template.hasProductCodeableConcept()) {
            request.setMedication(template.getProductCodeableConcept().copy());
        }
        template.getDosage().forEach(dosage -> request.addDosageInstruction(dosage.copy()));
        if (template.hasDescription()) {
            request.addNote().setText(template.getDescription());
        }
        return request;
    }
}
