package org.formulary.clinical;

import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.formulary.search.SearchValue;
import org.hl7.fhir.r4.model.MedicationKnowledge;
import org.hl7.fhir.r4.model.MedicinalProductUndesirableEffect;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;

/**
 * {@code MedicationKnowledge/$compare}: drugs side by side, built at request time from the stored monographs,
 * undesirable effects and warnings (so a change to any of them changes the comparison). A drug is selected by an
 * RxNorm code (its ingredient, e.g. 1292, or a product's code: all monographs with that code are one drug) or by a
 * monograph id. Thread-safe.
 */
public final class DrugComparison {

    static final String RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm";

    private final StoredResources resources;

    public DrugComparison(StoredResources resources) {
        this.resources = resources;
    }

    /** The comparison of the drugs named by {@code codes} and monograph {@code ids}, in the order given. */
    public Parameters compare(List<String> codes, List<String> ids) {
        Map<String, List<MedicationKnowledge>> drugs = new LinkedHashMap<>();
        for (String code : codes) {
            drugs.put("code " + code, monographsForCode(code));
        }
        for (String id : ids) {
            String plain = id.startsWith("MedicationKnowledge/") ? id.substring("MedicationKnowledge/".length()) : id;
            MedicationKnowledge monograph = resources.read(MedicationKnowledge.class, plain)
                    .orElseThrow(() -> new ResourceNotFoundException("Unknown drug: no MedicationKnowledge/" + plain));
            drugs.put("id " + plain, List.of(monograph));
        }
        if (drugs.isEmpty()) {
            throw new InvalidRequestException("$compare needs at least one 'code' (RxNorm) or 'id' (MedicationKnowledge)");
        }
        Parameters result = new Parameters();
        drugs.forEach((selector, monographs) -> result.addParameter(drug(selector, monographs)));
        return result;
    }

    private List<MedicationKnowledge> monographsForCode(String code) {
        String trimmed = code.trim();
        String plain = trimmed.startsWith(RXNORM + "|") ? trimmed.substring(RXNORM.length() + 1) : trimmed;
        if (plain.isEmpty() || plain.contains("|")) {
            throw new InvalidRequestException("Invalid value for parameter 'code': '" + code
                    + "' (expected an RxNorm code such as 1292, optionally as " + RXNORM + "|1292)");
        }
        List<SearchValue.Token> token = List.of(new SearchValue.Token(RXNORM, true, plain));
        Map<String, MedicationKnowledge> found = new LinkedHashMap<>();
        for (String param : List.of("ingredient-code", "code")) {
            resources.byToken(MedicationKnowledge.class, param, token)
                    .forEach(mk -> found.putIfAbsent(mk.getIdElement().getIdPart(), mk));
        }
        if (found.isEmpty()) {
            throw new ResourceNotFoundException("Unknown drug: no MedicationKnowledge has the RxNorm code " + plain);
        }
        return new ArrayList<>(found.values());
    }

    private Parameters.ParametersParameterComponent drug(String selector, List<MedicationKnowledge> monographs) {
        Parameters.ParametersParameterComponent drug = new Parameters.ParametersParameterComponent().setName("drug");
        drug.addPart().setName("selector").setValue(new StringType(selector));
        drug.addPart().setName("name").setValue(new StringType(MonographFacts.drugName(monographs)));
        MonographFacts.ingredientCodes(monographs).forEach(c -> drug.addPart().setName("ingredient").setValue(c));
        monographs.forEach(mk -> drug.addPart().setName("monograph")
                .setValue(new Reference("MedicationKnowledge/" + mk.getIdElement().getIdPart())
                        .setDisplay(mk.getCode().getText())));
        MonographFacts.classifications(monographs).forEach(c -> drug.addPart().setName("classification").setValue(c));
        MonographFacts.indications(monographs).forEach(drug::addPart);
        ComparisonRows.effectiveness(monographs, resources).forEach(drug::addPart);
        MonographFacts.dosages(monographs).forEach(d -> drug.addPart().setName("dosage").setValue(d));
        MonographFacts.maximumDoses(monographs).forEach(r -> drug.addPart().setName("maximumDose").setValue(r));
        MonographFacts.controlledStatus(monographs).forEach(c -> drug.addPart().setName("controlledStatus").setValue(c));
        adverseEffects(monographs).forEach(drug::addPart);
        MonographFacts.warnings(monographs, resources).forEach(drug::addPart);
        return drug;
    }

    private List<Parameters.ParametersParameterComponent> adverseEffects(List<MedicationKnowledge> monographs) {
        List<SearchValue.Ref> products = new ArrayList<>();
        for (MedicationKnowledge mk : monographs) {
            for (Reference product : mk.getAssociatedMedication()) {
                String ref = product.getReference();
                if (ref != null && ref.startsWith("Medication/")) {
                    products.add(new SearchValue.Ref("Medication", ref.substring("Medication/".length()), null));
                }
            }
        }
        List<Parameters.ParametersParameterComponent> parts = new ArrayList<>();
        for (MedicinalProductUndesirableEffect effect : resources.byReference(
                MedicinalProductUndesirableEffect.class, "subject", products)) {
            Parameters.ParametersParameterComponent part =
                    new Parameters.ParametersParameterComponent().setName("adverseEffect");
            part.addPart().setName("effect").setValue(effect.getSymptomConditionEffect());
            if (effect.hasClassification()) {
                part.addPart().setName("classification").setValue(effect.getClassification());
            }
            if (effect.hasFrequencyOfOccurrence()) {
                part.addPart().setName("frequencyBand").setValue(effect.getFrequencyOfOccurrence());
            }
            var incidence = effect.getExtensionByUrl(MonographFacts.INCIDENCE_RANGE);
            if (incidence != null) {
                part.addPart().setName("incidence").setValue(incidence.getValue());
            }
            part.addPart().setName("source").setValue(
                    new Reference("MedicinalProductUndesirableEffect/" + effect.getIdElement().getIdPart()));
            parts.add(part);
        }
        return parts;
    }
}
