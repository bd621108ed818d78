package org.formulary.validation;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.ConceptValidationOptions;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.context.support.ValidationSupportContext;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.ValueSet;
import org.hl7.fhir.r4.model.ValueSet.ConceptReferenceComponent;
import org.hl7.fhir.r4.model.ValueSet.ConceptSetComponent;
import org.hl7.fhir.r4.model.ValueSet.ConceptSetFilterComponent;

/**
 * Answers, offline, whether an RxNorm code belongs to a ValueSet defined only by RxNorm term-type filters
 * ({@code TTY = SCD}, ...), such as the Da Vinci formulary's SemanticDrugVS. RxNorm itself is not available here, so
 * the answer comes from the codes this project verified in public sources: the RxNorm concepts of
 * {@code ValueSet/verified-external-codes}, each with its term type in the {@code rxnorm-term-type} extension. A
 * verified code of an allowed term type is valid; any other code is an error that says why (another term type, or
 * not verified). ValueSets of any other shape are left to the rest of the chain. Immutable and thread-safe.
 */
final class VerifiedRxNormTermTypes implements IValidationSupport {

    static final String RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm";
    static final String TERM_TYPE_EXTENSION = "http://example.org/fhir/formulary/StructureDefinition/rxnorm-term-type";
    static final String VERIFIED_CODES = "http://example.org/fhir/formulary/ValueSet/verified-external-codes";

    private record Verified(String display, String termType) {}

    private final FhirContext ctx;
    private final Map<String, Verified> verified;
    private final Map<String, Set<String>> termTypesByValueSet;

    private VerifiedRxNormTermTypes(FhirContext ctx, Map<String, Verified> verified,
            Map<String, Set<String>> termTypesByValueSet) {
        this.ctx = ctx;
        this.verified = Map.copyOf(verified);
        this.termTypesByValueSet = Map.copyOf(termTypesByValueSet);
    }

    /** The module for the ValueSets of {@code conformance}, with the verified codes it holds. */
    static VerifiedRxNormTermTypes of(FhirContext ctx, ConformancePackage conformance) {
        Map<String, Verified> verified = new HashMap<>();
        Map<String, Set<String>> termTypes = new HashMap<>();
        for (IBaseResource resource : conformance.resources()) {
            if (!(resource instanceof ValueSet)) {
                continue;
            }
            ValueSet valueSet = (ValueSet) resource;
            if (VERIFIED_CODES.equals(valueSet.getUrl())) {
                verified.putAll(verifiedRxNorm(valueSet));
            }
            termTypeFilters(valueSet).ifPresent(types -> termTypes.put(valueSet.getUrl(), types));
        }
        return new VerifiedRxNormTermTypes(ctx, verified, termTypes);
    }

    private static Map<String, Verified> verifiedRxNorm(ValueSet valueSet) {
        Map<String, Verified> codes = new HashMap<>();
        for (ConceptSetComponent include : valueSet.getCompose().getInclude()) {
            if (!RXNORM.equals(include.getSystem())) {
                continue;
            }
            for (ConceptReferenceComponent concept : include.getConcept()) {
                Extension termType = concept.getExtensionByUrl(TERM_TYPE_EXTENSION);
                if (termType != null) {
                    codes.put(concept.getCode(), new Verified(concept.getDisplay(), termType.getValue().primitiveValue()));
                }
            }
        }
        return codes;
    }

    /** The term types a ValueSet allows, if it is made only of RxNorm {@code TTY =} filters. */
    private static Optional<Set<String>> termTypeFilters(ValueSet valueSet) {
        Set<String> types = new TreeSet<>();
        if (!valueSet.getCompose().hasInclude() || valueSet.getCompose().hasExclude()) {
            return Optional.empty();
        }
        for (ConceptSetComponent include : valueSet.getCompose().getInclude()) {
            if (!RXNORM.equals(include.getSystem()) || include.hasConcept() || include.hasValueSet()
                    || include.getFilter().size() != 1) {
                return Optional.empty();
            }
            ConceptSetFilterComponent filter = include.getFilterFirstRep();
            if (!"TTY".equals(filter.getProperty()) || filter.getOp() != ValueSet.FilterOperator.EQUAL) {
                return Optional.empty();
            }
            types.add(filter.getValue());
        }
        return Optional.of(types);
    }

    @Override
    public FhirContext getFhirContext() {
        return ctx;
    }

    @Override
    public String getName() {
        return "formulary verified RxNorm term types";
    }

    @Override
    public boolean isValueSetSupported(ValidationSupportContext context, String valueSetUrl) {
        return termTypesByValueSet.containsKey(versionless(valueSetUrl));
    }

    @Override
    public CodeValidationResult validateCode(ValidationSupportContext context, ConceptValidationOptions options,
            String system, String code, String display, String valueSetUrl) {
        Set<String> allowed = valueSetUrl == null ? null : termTypesByValueSet.get(versionless(valueSetUrl));
        return allowed == null ? null : check(system, code, versionless(valueSetUrl), allowed);
    }

    @Override
    public CodeValidationResult validateCodeInValueSet(ValidationSupportContext context,
            ConceptValidationOptions options, String system, String code, String display, IBaseResource valueSet) {
        if (!(valueSet instanceof ValueSet)) {
            return null;
        }
        String url = ((ValueSet) valueSet).getUrl();
        Set<String> allowed = url == null ? null : termTypesByValueSet.get(url);
        return allowed == null ? null : check(system, code, url, allowed);
    }

    private CodeValidationResult check(String system, String code, String valueSetUrl, Set<String> allowed) {
        if (system != null && !RXNORM.equals(system)) {
            return error("The code system " + system + " is not RxNorm; " + valueSetUrl + " holds RxNorm codes of term"
                    + " type " + String.join(", ", allowed));
        }
        Verified concept = verified.get(code);
        if (concept == null) {
            return error("RxNorm code " + code + " is not among the codes verified in public sources (" + VERIFIED_CODES
                    + "), so its membership in " + valueSetUrl + " (term types " + String.join(", ", allowed)
                    + ") cannot be confirmed");
        }
        if (!allowed.contains(concept.termType())) {
            return error("RxNorm code " + code + " (" + concept.display() + ") has term type " + concept.termType()
                    + ", but " + valueSetUrl + " only holds term types " + String.join(", ", allowed));
        }
        return new CodeValidationResult().setCode(code).setDisplay(concept.display()).setCodeSystemName("RxNorm");
    }

    private static CodeValidationResult error(String message) {
        return new CodeValidationResult().setSeverity(IssueSeverity.ERROR).setMessage(message);
    }

    private static String versionless(String url) {
        int bar = url.indexOf('|');
        return bar < 0 ? url : url.substring(0, bar);
    }
}
