package org.formulary.search;

import ca.uhn.fhir.context.RuntimeSearchParam;
import ca.uhn.fhir.rest.api.RestSearchParameterTypeEnum;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Parses {@code _include}, {@code _revinclude} and their {@code :iterate} forms: {@code [type]:[param]} or
 * {@code [type]:[param]:[targetType]}, or {@code *} for every reference parameter of the searched type. The
 * parameter must be a reference parameter of the type; an {@code _include} from another type than the searched one
 * (without {@code :iterate}) is valid and adds nothing. Stateless.
 */
final class IncludeParser {

    private IncludeParser() {}

    static List<Include> parse(SearchParamRegistry registry, String searchedType, String key, String[] values) {
        boolean reverse = key.startsWith("_revinclude");
        String modifier = key.substring(reverse ? "_revinclude".length() : "_include".length());
        boolean iterate = modifier.equals(":iterate") || modifier.equals(":recurse");
        if (!modifier.isEmpty() && !iterate) {
            throw new InvalidRequestException("Invalid parameter '" + key + "': the only modifier is ':iterate'");
        }
        List<Include> includes = new ArrayList<>();
        for (String value : values) {
            if (value.equals("*") && !reverse) {
                registry.paramsOf(searchedType).values().stream()
                        .filter(sp -> sp.getParamType() == RestSearchParameterTypeEnum.REFERENCE)
                        .forEach(sp -> includes.add(new Include(false, searchedType, sp.getName(), Optional.empty(),
                                iterate)));
                continue;
            }
            String[] parts = value.split(":");
            if (parts.length < 2 || parts.length > 3) {
                throw new InvalidRequestException("Invalid value for parameter '" + key + "': '" + value
                        + "' (expected [type]:[parameter] or [type]:[parameter]:[targetType])");
            }
            RuntimeSearchParam sp = registry.find(parts[0], parts[1])
                    .filter(p -> p.getParamType() == RestSearchParameterTypeEnum.REFERENCE)
                    .orElseThrow(() -> new InvalidRequestException("Invalid value for parameter '" + key + "': '"
                            + value + "' (" + parts[0] + " has no reference search parameter '" + parts[1] + "')"));
            includes.add(new Include(reverse, parts[0], sp.getName(),
                    parts.length == 3 ? Optional.of(parts[2]) : Optional.empty(), iterate));
        }
        return includes;
    }
}
