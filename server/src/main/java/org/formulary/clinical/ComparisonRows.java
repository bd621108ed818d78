package org.formulary.clinical;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.formulary.search.SearchValue;
import org.hl7.fhir.r4.model.Basic;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.MedicationKnowledge;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Type;

/**
 * The published comparison tables ({@code Basic} resources of type {@code drug-comparison}): the row about a drug,
 * with the table's certainty and source, as the {@code effectiveness} part of {@code $compare}. A row is about a
 * drug when it names one of the drug's monographs. Stateless.
 */
final class ComparisonRows {

    private static final String BASE = "http://example.org/fhir/formulary/";
    private static final SearchValue.Token DRUG_COMPARISON =
            new SearchValue.Token(BASE + "CodeSystem/formulary-basic-type", true, "drug-comparison");
    private static final String ROW = BASE + "StructureDefinition/comparison-row";

    private ComparisonRows() {}

    static List<Parameters.ParametersParameterComponent> effectiveness(List<MedicationKnowledge> monographs,
            StoredResources resources) {
        Set<String> ids = monographs.stream().map(mk -> "MedicationKnowledge/" + mk.getIdElement().getIdPart())
                .collect(Collectors.toSet());
        List<Parameters.ParametersParameterComponent> parts = new ArrayList<>();
        for (Basic table : resources.byToken(Basic.class, "code", List.of(DRUG_COMPARISON))) {
            for (Extension row : table.getExtensionsByUrl(ROW)) {
                boolean aboutDrug = row.getExtensionsByUrl("drug").stream()
                        .anyMatch(d -> d.getValue() instanceof Reference r && ids.contains(r.getReference()));
                Extension statement = row.getExtensionByUrl("effectiveness");
                if (aboutDrug && statement != null) {
                    parts.add(part(table, statement.getValue()));
                }
            }
        }
        return parts;
    }

    private static Parameters.ParametersParameterComponent part(Basic table, Type statement) {
        Parameters.ParametersParameterComponent part =
                new Parameters.ParametersParameterComponent().setName("effectiveness");
        part.addPart().setName("statement").setValue(statement);
        Extension certainty = table.getExtensionByUrl(MonographFacts.EVIDENCE_CERTAINTY);
        if (certainty != null) {
            part.addPart().setName("certainty").setValue(certainty.getValue());
        }
        Extension source = table.getExtensionByUrl(BASE + "StructureDefinition/statement-source");
        if (source != null) {
            part.addPart().setName("source").setValue(source.getValue());
        }
        part.addPart().setName("comparison").setValue(new Reference("Basic/" + table.getIdElement().getIdPart()));
        return part;
    }
}
