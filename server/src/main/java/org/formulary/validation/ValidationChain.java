package org.formulary.validation;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.context.support.IValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.PrePopulatedValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.UnknownCodeSystemWarningValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * Builds the validation support chain once at startup: the R4 core definitions, the conformance package,
 * snapshot generation for its differential-only profiles, in-memory terminology for its ValueSets and
 * CodeSystems, HAPI's common code systems (UCUM, languages, ...), and a warning (not an error) for code systems
 * no module knows, such as RxNorm and SNOMED CT. The chain caches lookups; it is thread-safe.
 */
public final class ValidationChain {

    private ValidationChain() {}

    /** The chain for {@code conformance}. */
    public static IValidationSupport build(FhirContext ctx, ConformancePackage conformance) {
        PrePopulatedValidationSupport packageSupport = packageSupport(ctx, conformance);
        UnknownCodeSystemWarningValidationSupport unknownSystems = new UnknownCodeSystemWarningValidationSupport(ctx);
        unknownSystems.setNonExistentCodeSystemSeverity(IValidationSupport.IssueSeverity.WARNING);
        return new ValidationSupportChain(
                new DefaultProfileValidationSupport(ctx),
                packageSupport,
                VerifiedRxNormTermTypes.of(ctx, conformance),
                new CommonCodeSystemsTerminologyService(ctx),
                new InMemoryTerminologyServerValidationSupport(ctx),
                new SnapshotGeneratingValidationSupport(ctx),
                unknownSystems);
    }

    /** Only the package's own resources: what the CapabilityStatement lists as supported profiles. */
    public static PrePopulatedValidationSupport packageSupport(FhirContext ctx, ConformancePackage conformance) {
        PrePopulatedValidationSupport support = new PrePopulatedValidationSupport(ctx);
        for (IBaseResource resource : conformance.resources()) {
            support.addResource(resource);
        }
        return support;
    }
}
