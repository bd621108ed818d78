package org.formulary.search;

import ca.uhn.fhir.context.RuntimeSearchParam;
import ca.uhn.fhir.rest.api.RestSearchParameterTypeEnum;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Turns the query parameters of a search request into a {@link SearchQuery}, rejecting malformed values with an
 * {@link InvalidRequestException} that names the parameter. Parameters the server does not know are ignored (and
 * left out of the page links), or rejected when the client asked for strict handling. Thread-safe.
 */
public final class QueryParser {

    /** Result parameters that shape the response rather than select resources; repeated in page links. */
    private static final Set<String> RESULT_PARAMS =
            Set.of("_count", "_sort", "_total", "_format", "_pretty", "_summary", "_elements");

    private final SearchParamRegistry registry;
    private final int defaultCount;
    private final int maxCount;

    public QueryParser(SearchParamRegistry registry, int defaultCount, int maxCount) {
        this.registry = registry;
        this.defaultCount = defaultCount;
        this.maxCount = maxCount;
    }

    /**
     * A parsed search and the request parameters it used, in a stable order, for the self and paging links.
     *
     * @param query the query
     * @param includes the {@code _include} and {@code _revinclude} to add to each page
     * @param linkParams the parameters to repeat in links (without the cursor)
     */
    public record Parsed(SearchQuery query, List<Include> includes, Map<String, List<String>> linkParams) {}

    /** Parses the parameters of a search on {@code type}. */
    public Parsed parse(String type, Map<String, String[]> params, boolean strict) {
        List<Criterion> criteria = new ArrayList<>();
        List<Include> includes = new ArrayList<>();
        Map<String, List<String>> linkParams = new LinkedHashMap<>();
        for (Map.Entry<String, String[]> entry : new java.util.TreeMap<>(params).entrySet()) {
            String key = entry.getKey();
            if (key.equals("_cursor")) {
                continue;
            }
            if (RESULT_PARAMS.contains(key)) {
                linkParams.put(key, List.of(entry.getValue()));
                continue;
            }
            if (key.startsWith("_include") || key.startsWith("_revinclude")) {
                includes.addAll(IncludeParser.parse(registry, type, key, entry.getValue()));
                linkParams.put(key, List.of(entry.getValue()));
                continue;
            }
            Optional<Criterion[]> parsed = parseCriteria(type, key, entry.getValue(), strict);
            if (parsed.isPresent()) {
                criteria.addAll(List.of(parsed.get()));
                linkParams.put(key, List.of(entry.getValue()));
            }
        }
        checkChoice(params, "_total", Set.of("none", "estimate", "accurate"));
        checkChoice(params, "_summary", Set.of("true", "false", "text", "data", "count"));
        SearchQuery query = new SearchQuery(
                type,
                List.copyOf(criteria),
                sort(type, params.get("_sort")),
                count(params.get("_count"), strict),
                Optional.ofNullable(single(params, "_cursor")).map(Cursor::decode),
                !"none".equals(single(params, "_total")));
        return new Parsed(query, List.copyOf(includes), linkParams);
    }

    private Optional<Criterion[]> parseCriteria(String type, String key, String[] rawValues, boolean strict) {
        Criterion[] criteria = new Criterion[rawValues.length];
        for (int i = 0; i < rawValues.length; i++) {
            criteria[i] = criterion(type, key, key, rawValues[i], strict, false);
            if (criteria[i] == null) {
                return Optional.empty();
            }
        }
        return Optional.of(criteria);
    }

    /**
     * The criterion that {@code part} of the parameter {@code key} (e.g. {@code subject:MedicationKnowledge.code})
     * states on {@code type}; chains recurse on the referenced type. Null for an unknown parameter under lenient
     * handling.
     */
    private Criterion criterion(String type, String key, String part, String raw, boolean strict, boolean chained) {
        int dot = part.indexOf('.');
        String head = dot < 0 ? part : part.substring(0, dot);
        int colon = head.indexOf(':');
        String name = colon < 0 ? head : head.substring(0, colon);
        String modifier = colon < 0 ? null : head.substring(colon + 1);
        RestSearchParameterTypeEnum paramType = builtInType(name);
        RuntimeSearchParam sp = null;
        if (paramType == null) {
            sp = registry.find(type, name).orElse(null);
            if (sp == null) {
                if (strict || chained) {
                    throw new InvalidRequestException("Unknown search parameter '" + name + "' for resource type "
                            + type + " in '" + key + "'" + (chained ? "" : " (Prefer: handling=strict)"));
                }
                return null;
            }
            paramType = sp.getParamType();
        }
        if (dot >= 0) {
            if (paramType != RestSearchParameterTypeEnum.REFERENCE) {
                throw new InvalidRequestException("Invalid search parameter '" + key + "': only reference parameters"
                        + " can be chained, and '" + name + "' is a " + paramType.getCode() + " parameter");
            }
            String target = modifier != null ? modifier : singleTarget(sp, key);
            if (registry.paramsOf(target).isEmpty()) {
                throw new InvalidRequestException("Invalid search parameter '" + key + "': unknown resource type '"
                        + target + "'");
            }
            Criterion chain = criterion(target, key, part.substring(dot + 1), raw, true, true);
            return new Criterion(name, RestSearchParameterTypeEnum.REFERENCE, target, List.of(), chain);
        }
        if (paramType == RestSearchParameterTypeEnum.REFERENCE && "identifier".equals(modifier)) {
            return new Criterion(IndexRows.identifierParam(name), RestSearchParameterTypeEnum.TOKEN, null,
                    ValueParser.parse(key, RestSearchParameterTypeEnum.TOKEN, null, raw));
        }
        checkModifier(key, paramType, modifier);
        return new Criterion(name, paramType, modifier, ValueParser.parse(key, paramType, modifier, raw));
    }

    private static String singleTarget(RuntimeSearchParam sp, String key) {
        if (sp == null || sp.getTargets().size() != 1) {
            throw new InvalidRequestException("Invalid search parameter '" + key + "': the reference can point at"
                    + " several resource types; name one, e.g. '" + key.replaceFirst("\\.", ":[Type].") + "'");
        }
        return sp.getTargets().iterator().next();
    }

    private static RestSearchParameterTypeEnum builtInType(String name) {
        return switch (name) {
            case "_id" -> RestSearchParameterTypeEnum.TOKEN;
            case "_lastUpdated" -> RestSearchParameterTypeEnum.DATE;
            default -> null;
        };
    }

    private static void checkModifier(String key, RestSearchParameterTypeEnum type, String modifier) {
        if (modifier == null || modifier.equals("missing")) {
            return;
        }
        boolean ok = switch (type) {
            case STRING -> modifier.equals("exact") || modifier.equals("contains");
            case TOKEN -> modifier.equals("not") || modifier.equals("text");
            case URI -> modifier.equals("below");
            case REFERENCE -> !modifier.isEmpty() && Character.isUpperCase(modifier.charAt(0));
            default -> false;
        };
        if (!ok) {
            throw new InvalidRequestException(
                    "Modifier ':" + modifier + "' is not supported for " + type.getCode() + " parameter '" + key + "'");
        }
    }

    private SortOrder sort(String type, String[] values) {
        if (values == null || values.length == 0 || values[0].isBlank()) {
            return SortOrder.ID_ASC;
        }
        if (values.length > 1 || values[0].contains(",")) {
            throw new InvalidRequestException("Invalid value for parameter '_sort': only one sort key is supported");
        }
        String value = values[0].trim();
        boolean descending = value.startsWith("-");
        String name = descending ? value.substring(1) : value;
        if (name.equals("_id")) {
            return new SortOrder(SortOrder.Key.ID, null, descending);
        }
        if (name.equals("_lastUpdated")) {
            return new SortOrder(SortOrder.Key.LAST_UPDATED, null, descending);
        }
        RestSearchParameterTypeEnum paramType = registry.find(type, name).map(RuntimeSearchParam::getParamType)
                .orElse(null);
        SortOrder.Key key = paramType == null ? null : switch (paramType) {
            case STRING -> SortOrder.Key.STRING;
            case TOKEN -> SortOrder.Key.TOKEN;
            case DATE -> SortOrder.Key.DATE;
            default -> null;
        };
        if (key == null) {
            throw new InvalidRequestException("Invalid value for parameter '_sort': '" + values[0] + "' (sort by _id,"
                    + " _lastUpdated or a string, token or date parameter of " + type + ", '-' for descending)");
        }
        return new SortOrder(key, name, descending);
    }

    private int count(String[] values, boolean strict) {
        if (values == null || values.length == 0) {
            return defaultCount;
        }
        int count;
        try {
            count = Integer.parseInt(values[0].trim());
        } catch (NumberFormatException e) {
            count = -1;
        }
        if (count < 0) {
            throw new InvalidRequestException(
                    "Invalid value for parameter '_count': '" + values[0] + "' is not a non-negative whole number");
        }
        return pageSize(count, strict);
    }

    /**
     * The page size for a requested {@code _count}: at most the server's maximum. A larger one is cut to the
     * maximum, as the spec allows, or refused when the client asked for strict handling.
     */
    public int pageSize(int requested, boolean strict) {
        if (requested > maxCount && strict) {
            throw new InvalidRequestException("Invalid value for parameter '_count': " + requested + " is more than"
                    + " the maximum page size " + maxCount + " (Prefer: handling=strict; without it the page size is"
                    + " cut to the maximum)");
        }
        return Math.min(requested, maxCount);
    }

    private static void checkChoice(Map<String, String[]> params, String name, Set<String> allowed) {
        String[] values = params.get(name);
        if (values == null) {
            return;
        }
        for (String value : values) {
            if (!allowed.contains(value)) {
                throw new InvalidRequestException("Invalid value for parameter '" + name + "': '" + value
                        + "' (allowed: " + String.join(", ", new java.util.TreeSet<>(allowed)) + ")");
            }
        }
    }

    private static String single(Map<String, String[]> params, String name) {
        String[] values = params.get(name);
        return values == null || values.length == 0 ? null : values[0];
    }
}
