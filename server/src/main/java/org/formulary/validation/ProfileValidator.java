package org.formulary.validation;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.ValidationOptions;
import ca.uhn.fhir.validation.ValidationResult;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Medication;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Validates resources against the R4 base definitions, the profiles named in their {@code meta.profile}, and any
 * further profiles the caller names. A profile the server does not know is an error. The first validation loads
 * the R4 core definitions and the package's snapshots (seconds): {@link #warmUpInBackground()} does that on a thread
 * of its own while the server starts, and validations wait for it. Built once; thread-safe.
 */
public final class ProfileValidator {

    private static final Logger LOG = LoggerFactory.getLogger(ProfileValidator.class);

    private final FhirValidator validator;
    private volatile CompletableFuture<Void> warm = CompletableFuture.completedFuture(null);

    public ProfileValidator(FhirContext ctx, IValidationSupport chain) {
        PooledInstanceValidator module = new PooledInstanceValidator(chain);
        validator = ctx.newValidator();
        validator.setValidateAgainstStandardSchema(false);
        validator.setValidateAgainstStandardSchematron(false);
        validator.registerValidatorModule(module);
    }

    /** Validates {@code resource} against its own claims plus {@code profiles}. */
    public ValidationResult validate(IBaseResource resource, Collection<String> profiles) {
        try {
            warm.join();
        } catch (CompletionException | CancellationException e) {
            // Logged by the warm-up; this validation meets the same failure, or succeeds, on its own.
        }
        return run(resource, profiles);
    }

    private ValidationResult run(IBaseResource resource, Collection<String> profiles) {
        ValidationOptions options = new ValidationOptions();
        profiles.forEach(options::addProfile);
        return validator.validateWithResult(resource, options);
    }

    /** Whether {@code result} holds an error or a fatal issue (warnings do not count). */
    public static boolean hasErrors(ValidationResult result) {
        return result.getMessages().stream().anyMatch(m -> m.getSeverity() == ResultSeverityEnum.ERROR
                || m.getSeverity() == ResultSeverityEnum.FATAL);
    }

    /**
     * Starts one validation on a thread of its own, so that the first client request does not pay for loading the
     * core definitions; validations wait until it has finished. Returns at once, with what completes then.
     */
    public CompletableFuture<Void> warmUpInBackground() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        warm = done;
        Thread thread = new Thread(() -> {
            try {
                Medication medication = new Medication();
                medication.setStatus(Medication.MedicationStatus.ACTIVE);
                run(medication, List.of());
                done.complete(null);
            } catch (RuntimeException | Error e) {
                LOG.error("The validator's warm-up failed", e);
                done.completeExceptionally(e);
            }
        }, "validator-warm-up");
        thread.setDaemon(true);
        thread.start();
        return done;
    }
}
