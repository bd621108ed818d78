package org.formulary.search;

import ca.uhn.fhir.rest.api.RestSearchParameterTypeEnum;
import java.util.List;

/**
 * One search parameter occurrence: its values are OR-ed; the criteria of a query are AND-ed.
 *
 * @param param the parameter code, e.g. {@code code} or {@code _lastUpdated}
 * @param type the parameter type
 * @param modifier the modifier after the colon (without it), or {@code null}
 * @param values the parsed values, at least one
 */
public record Criterion(String param, RestSearchParameterTypeEnum type, String modifier, List<SearchValue> values) {}
