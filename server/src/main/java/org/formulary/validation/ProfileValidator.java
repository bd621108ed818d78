package org.formulary.validation;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.ValidationOptions;
import ca.uhn.fhir.validation.ValidationResult;
import java.util.Collection;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Medication;

/**
 * Validates resources against the R4 base definitions, the profiles named in their {@code meta.profile}, and any
 * further profiles the caller names. A profile the server does not know is an error. Built once; thread-safe.
 */
public final class ProfileValidator {

    private final FhirValidator validator;

    public ProfileValidator(FhirContext ctx, IValidationSupport chain) {
        PooledInstanceValidator module = new PooledInstanceValidator(chain);
        validator = ctx.newValidator();
        validator.setValidateAgainstStandardSchema(false);
        validator.setValidateAgainstStandardSchematron(false);
        validator.registerValidatorModule(module);
    }

    /** Validates {@code resource} against its own claims plus {@code profiles}. */
    public ValidationResult validate(IBaseResource resource, Collection<String> profiles) {
        ValidationOptions options = new ValidationOptions();
        profiles.forEach(options::addProfile);
        return validator.validateWithResult(resource, options);
    }

    /** Whether {@code result} holds an error or a fatal issue (warnings do not count). */
    public static boolean hasErrors(ValidationResult result) {
        return result.getMessages().stream().anyMatch(m -> m.getSeverity() == ResultSeverityEnum.ERROR
                || m.getSeverity() == ResultSeverityEnum.FATAL);
    }

    /** Runs one validation so that the first client request does not pay for loading the core definitions. */
    public void warmUp() {
        Medication medication = new Medication();
        medication.setStatus(Medication.MedicationStatus.ACTIVE);
        validate(medication, java.util.List.of());
    }
}
