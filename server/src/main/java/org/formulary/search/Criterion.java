package org.formulary.search;

import ca.uhn.fhir.rest.api.RestSearchParameterTypeEnum;
import java.util.List;

/**
 * One search parameter occurrence: its values are OR-ed; the criteria of a query are AND-ed.
 *
 * @param param the parameter code, e.g. {@code code} or {@code _lastUpdated}
 * @param type the parameter type
 * @param modifier the modifier after the colon (without it), or {@code null}
 * @param values the parsed values, at least one (empty for a chained reference: the chain holds them)
 * @param chain for a chained reference parameter ({@code subject:MedicationKnowledge.code=x}), the criterion the
 *     referenced resource must meet; its type is {@code modifier}. {@code null} otherwise
 */
public record Criterion(
        String param, RestSearchParameterTypeEnum type, String modifier, List<SearchValue> values, Criterion chain) {

    /** A criterion without a chain. */
    public Criterion(String param, RestSearchParameterTypeEnum type, String modifier, List<SearchValue> values) {
        this(param, type, modifier, values, null);
    }
}
