package org.formulary.rest;

import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import java.util.List;
import org.formulary.clinical.DrugComparison;
import org.hl7.fhir.r4.model.MedicationKnowledge;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;

/**
 * {@code GET|POST [base]/MedicationKnowledge/$compare?code=1292&code=57258&id=...}: drugs side by side. Thread-safe.
 */
public final class CompareOperation {

    private final DrugComparison comparison;

    public CompareOperation(DrugComparison comparison) {
        this.comparison = comparison;
    }

    @Operation(name = "$compare", type = MedicationKnowledge.class, idempotent = true)
    public Parameters compare(
            @OperationParam(name = "code", max = OperationParam.MAX_UNLIMITED) List<StringType> codes,
            @OperationParam(name = "id", max = OperationParam.MAX_UNLIMITED) List<StringType> ids) {
        return comparison.compare(values(codes), values(ids));
    }

    private static List<String> values(List<StringType> params) {
        return params == null ? List.of() : params.stream().map(StringType::getValue).filter(v -> v != null).toList();
    }
}
