package org.formulary.validation;

import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.validation.IValidationContext;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.common.hapi.validation.validator.WorkerContextValidationSupportAdapter;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IPrimitiveType;
import org.hl7.fhir.r5.elementmodel.Manager;
import org.hl7.fhir.r5.model.StructureDefinition;
import org.hl7.fhir.r5.utils.validation.ValidatorSession;
import org.hl7.fhir.r5.utils.validation.constants.IdStatus;
import org.hl7.fhir.r5.utils.xver.XVerExtensionManagerOld;
import org.hl7.fhir.utilities.i18n.I18nConstants;
import org.hl7.fhir.utilities.validation.ValidationMessage;
import org.hl7.fhir.validation.ValidatorSettings;
import org.hl7.fhir.validation.instance.InstanceValidator;

/**
 * HAPI's instance validator module with one change: the core {@link InstanceValidator}s are built once and reused.
 * HAPI 8.8.1 builds a new one for every validation, and each construction re-reads the OID registry of the core
 * library (JFR: about half the CPU of a validated write). Each {@code InstanceValidator} is used by one thread at a
 * time: a validation takes one from the pool (or builds one if none is idle) and gives it back. At most
 * {@link #MAX_CONCURRENT} validations run at once (validation is CPU-bound: more would only hold more validators in
 * memory), the others wait their turn, so the pool never holds more validators than that. A validator keeps what
 * it learnt from every resource it validated (its executed-constraint cache holds their element trees: 6 GB after
 * 50,000 validations), so each is used for {@value #USES} validations and then dropped for a new one: that bounds
 * the memory, and rebuilding costs a {@value #USES}th of what building one per validation did. The settings are those of {@link FhirInstanceValidator} as this
 * server configures it: unknown profiles and extensions are errors, resource ids optional. Only resources (not raw
 * text) are validated, in JSON. Thread-safe.
 */
final class PooledInstanceValidator extends FhirInstanceValidator {

    /** Validations that may run at once: twice the cores, at least 4. */
    static final int MAX_CONCURRENT = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());

    /** Validations one core validator serves before it is dropped. */
    static final int USES = 50;

    /** A core validator and how many validations it has served. */
    private record Pooled(InstanceValidator validator, int uses) {}

    private final ConcurrentLinkedQueue<Pooled> idle = new ConcurrentLinkedQueue<>();
    private final Semaphore turns = new Semaphore(MAX_CONCURRENT, true);

    PooledInstanceValidator(IValidationSupport chain) {
        super(chain);
        setErrorForUnknownProfiles(true);
        setAnyExtensionsAllowed(false);
    }

    @Override
    protected List<ValidationMessage> validate(IValidationContext<?> context) {
        WorkerContextValidationSupportAdapter worker = provideWorkerContext();
        turns.acquireUninterruptibly();
        try {
            Pooled pooled = idle.poll();
            if (pooled == null) {
                pooled = new Pooled(build(worker), 0);
            }
            try {
                return validate(pooled.validator(), worker, context);
            } finally {
                if (pooled.uses() + 1 < USES) {
                    idle.offer(new Pooled(pooled.validator(), pooled.uses() + 1));
                }
            }
        } finally {
            turns.release();
        }
    }

    private List<ValidationMessage> validate(
            InstanceValidator validator, WorkerContextValidationSupportAdapter worker, IValidationContext<?> context) {
        if (context.getResourceAsStringEncoding() != EncodingEnum.JSON) {
            throw new IllegalArgumentException("Only JSON is validated, not " + context.getResourceAsStringEncoding());
        }
        Set<String> urls = new LinkedHashSet<>(context.getOptions().getProfiles());
        List<ValidationMessage> messages = new ArrayList<>();
        List<StructureDefinition> profiles = new ArrayList<>();
        List<ValidationMessage> unknownProfiles = new ArrayList<>();
        claimedProfiles(context).forEach(urls::add);
        for (String url : urls) {
            StructureDefinition profile = worker.fetchResource(StructureDefinition.class, url);
            if (profile != null) {
                profiles.add(profile);
            } else {
                unknownProfiles.add(unknownProfile(url));
            }
        }
        byte[] json = context.getResourceAsString().getBytes(StandardCharsets.UTF_8);
        validator.validate(context.getOptions().getAppContext(), messages, new ByteArrayInputStream(json),
                Manager.FhirFormat.JSON, profiles);
        if (profiles.isEmpty()) {
            messages.addAll(unknownProfiles);
        }
        messages.removeIf(m -> I18nConstants.TERMINOLOGY_TX_BINDING_NOSOURCE.equals(m.getMessageId())
                || I18nConstants.TERMINOLOGY_TX_VALUESET_NOTFOUND.equals(m.getMessageId())
                        && m.getMessage().contains("http://hl7.org/fhir/ValueSet/mimetypes"));
        messages.stream()
                .filter(m -> I18nConstants.VALIDATION_VAL_PROFILE_UNKNOWN.equals(m.getMessageId())
                        || I18nConstants.VALIDATION_VAL_PROFILE_UNKNOWN_NOT_POLICY.equals(m.getMessageId()))
                .forEach(m -> m.setLevel(ValidationMessage.IssueSeverity.ERROR));
        return messages;
    }

    private static List<String> claimedProfiles(IValidationContext<?> context) {
        IBaseResource resource = (IBaseResource) context.getResource();
        List<String> urls = new ArrayList<>();
        if (resource != null && resource.getMeta() != null) {
            for (IPrimitiveType<String> profile : resource.getMeta().getProfile()) {
                urls.add(profile.getValue());
            }
        }
        return urls;
    }

    private static ValidationMessage unknownProfile(String url) {
        ValidationMessage message = new ValidationMessage();
        message.setMessageId(I18nConstants.VALIDATION_VAL_PROFILE_UNKNOWN);
        message.setLevel(ValidationMessage.IssueSeverity.ERROR);
        message.setMessage("Invalid profile. Failed to retrieve profile with url=" + url);
        return message;
    }

    private InstanceValidator build(WorkerContextValidationSupportAdapter worker) {
        InstanceValidator validator = new InstanceValidator(worker, new NullEvaluationContext(),
                new XVerExtensionManagerOld(worker), new ValidatorSession(), new ValidatorSettings());
        validator.setAssumeValidRestReferences(isAssumeValidRestReferences());
        validator.setBestPracticeWarningLevel(getBestPracticeWarningLevel());
        validator.setAnyExtensionsAllowed(isAnyExtensionsAllowed());
        validator.setResourceIdRule(IdStatus.OPTIONAL);
        validator.setNoTerminologyChecks(isNoTerminologyChecks());
        validator.setErrorForUnknownProfiles(isErrorForUnknownProfiles());
        validator.setUnknownCodeSystemsCauseErrors(true);
        validator.getExtensionDomains().addAll(getExtensionDomains());
        validator.setFetcher(getValidatorResourceFetcher());
        validator.setPolicyAdvisor(getValidatorPolicyAdvisor());
        validator.setNoExtensibleWarnings(isNoExtensibleWarnings());
        validator.setNoBindingMsgSuppressed(isNoBindingMsgSuppressed());
        validator.setAllowExamples(false);
        validator.setAllowXsiLocation(true);
        return validator;
    }
}
