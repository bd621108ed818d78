package org.formulary.clinical;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Base;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DetectedIssue;
import org.hl7.fhir.r4.model.Dosage;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.MedicationKnowledge;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Ratio;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;

/**
 * The facts {@link DrugComparison} reads off a drug's monographs, each list free of duplicates (two products of one
 * drug usually share their classification, indications and warnings). Stateless.
 */
final class MonographFacts {

    static final String BASE = "http://example.org/fhir/formulary/StructureDefinition/";
    static final String INDICATION_STATUS = BASE + "indication-status";
    static final String EVIDENCE_CERTAINTY = BASE + "evidence-certainty";
    static final String INCIDENCE_RANGE = BASE + "incidence-range";

    private MonographFacts() {}

    static String drugName(List<MedicationKnowledge> monographs) {
        for (MedicationKnowledge mk : monographs) {
            for (MedicationKnowledge.MedicationKnowledgeIngredientComponent ingredient : mk.getIngredient()) {
                if (ingredient.hasItemCodeableConcept() && ingredient.getItemCodeableConcept().hasText()) {
                    return ingredient.getItemCodeableConcept().getText();
                }
            }
        }
        return monographs.get(0).getCode().getText();
    }

    static List<Coding> ingredientCodes(List<MedicationKnowledge> monographs) {
        List<Coding> codes = new ArrayList<>();
        for (MedicationKnowledge mk : monographs) {
            for (MedicationKnowledge.MedicationKnowledgeIngredientComponent ingredient : mk.getIngredient()) {
                if (ingredient.hasItemCodeableConcept()) {
                    ingredient.getItemCodeableConcept().getCoding().stream()
                            .filter(c -> DrugComparison.RXNORM.equals(c.getSystem()))
                            .forEach(codes::add);
                }
            }
        }
        return distinct(codes);
    }

    static List<CodeableConcept> classifications(List<MedicationKnowledge> monographs) {
        List<CodeableConcept> all = new ArrayList<>();
        monographs.forEach(mk -> mk.getMedicineClassification().forEach(c -> all.addAll(c.getClassification())));
        return distinct(all);
    }

    static List<Parameters.ParametersParameterComponent> indications(List<MedicationKnowledge> monographs) {
        Map<String, Parameters.ParametersParameterComponent> parts = new LinkedHashMap<>();
        for (MedicationKnowledge mk : monographs) {
            for (MedicationKnowledge.MedicationKnowledgeAdministrationGuidelinesComponent guideline
                    : mk.getAdministrationGuidelines()) {
                if (!guideline.hasIndicationCodeableConcept()) {
                    continue;
                }
                CodeableConcept indication = guideline.getIndicationCodeableConcept();
                Parameters.ParametersParameterComponent part =
                        new Parameters.ParametersParameterComponent().setName("indication");
                part.addPart().setName("condition").setValue(indication);
                code(guideline.getExtensionByUrl(INDICATION_STATUS))
                        .ifPresent(status -> part.addPart().setName("status").setValue(status));
                code(guideline.getExtensionByUrl(EVIDENCE_CERTAINTY))
                        .ifPresent(certainty -> part.addPart().setName("certainty").setValue(certainty));
                parts.putIfAbsent(key(indication), part);
            }
        }
        return new ArrayList<>(parts.values());
    }

    static List<Dosage> dosages(List<MedicationKnowledge> monographs) {
        List<Dosage> all = new ArrayList<>();
        monographs.forEach(mk -> mk.getAdministrationGuidelines().forEach(g -> g.getDosage()
                .forEach(d -> all.addAll(d.getDosage()))));
        return distinct(all);
    }

    static List<Ratio> maximumDoses(List<MedicationKnowledge> monographs) {
        List<Ratio> all = new ArrayList<>();
        dosages(monographs).stream().filter(Dosage::hasMaxDosePerPeriod).forEach(d -> all.add(d.getMaxDosePerPeriod()));
        return distinct(all);
    }

    static List<CodeableConcept> controlledStatus(List<MedicationKnowledge> monographs) {
        List<CodeableConcept> all = new ArrayList<>();
        monographs.forEach(mk -> mk.getRegulatory().forEach(r -> r.getSchedule().forEach(s -> all.add(s.getSchedule()))));
        return distinct(all);
    }

    static List<Parameters.ParametersParameterComponent> warnings(List<MedicationKnowledge> monographs,
            StoredResources resources) {
        Map<String, Parameters.ParametersParameterComponent> parts = new LinkedHashMap<>();
        for (MedicationKnowledge mk : monographs) {
            for (Reference reference : mk.getContraindication()) {
                String ref = reference.getReference();
                if (ref == null || !ref.startsWith("DetectedIssue/") || parts.containsKey(ref)) {
                    continue;
                }
                resources.read(DetectedIssue.class, ref.substring("DetectedIssue/".length()))
                        .ifPresent(issue -> parts.put(ref, warning(ref, issue)));
            }
        }
        return new ArrayList<>(parts.values());
    }

    private static Parameters.ParametersParameterComponent warning(String ref, DetectedIssue issue) {
        Parameters.ParametersParameterComponent part = new Parameters.ParametersParameterComponent().setName("warning");
        if (issue.hasCode()) {
            part.addPart().setName("code").setValue(issue.getCode());
        }
        if (issue.hasSeverity()) {
            part.addPart().setName("severity").setValue(new CodeType(issue.getSeverity().toCode()));
        }
        if (issue.hasDetail()) {
            part.addPart().setName("detail").setValue(new StringType(issue.getDetail()));
        }
        issue.getMitigation().forEach(m -> part.addPart().setName("mitigation").setValue(m.getAction()));
        part.addPart().setName("source").setValue(new Reference(ref));
        return part;
    }

    private static java.util.Optional<CodeType> code(Extension extension) {
        return extension != null && extension.getValue() instanceof CodeType code
                ? java.util.Optional.of(code) : java.util.Optional.empty();
    }

    private static String key(CodeableConcept concept) {
        StringBuilder key = new StringBuilder(concept.hasText() ? concept.getText() : "");
        concept.getCoding().forEach(c -> key.append('|').append(c.getSystem()).append('#').append(c.getCode()));
        return key.toString();
    }

    private static <T extends Base> List<T> distinct(List<T> values) {
        List<T> result = new ArrayList<>();
        for (T value : values) {
            if (result.stream().noneMatch(existing -> existing.equalsDeep(value))) {
                result.add(value);
            }
        }
        return result;
    }
}
