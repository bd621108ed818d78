package org.formulary.search;

import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.rest.api.RestSearchParameterTypeEnum;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.IdType;

/**
 * Parses one occurrence of a search parameter ({@code a,b,c}) into typed values, honouring the escapes of
 * FHIR search ({@code \,} {@code \|} {@code \$} {@code \\}). Stateless.
 */
final class ValueParser {

    private ValueParser() {}

    static List<SearchValue> parse(String key, RestSearchParameterTypeEnum type, String modifier, String raw) {
        List<String> parts = split(raw, ',');
        List<SearchValue> values = new ArrayList<>(parts.size());
        for (String part : parts) {
            if (part.isEmpty()) {
                throw invalid(key, raw, "empty values are not allowed");
            }
            if ("missing".equals(modifier)) {
                if (!part.equals("true") && !part.equals("false")) {
                    throw invalid(key, part, "':missing' takes true or false");
                }
                values.add(new SearchValue.Missing(Boolean.parseBoolean(part)));
                continue;
            }
            values.add(switch (type) {
                case TOKEN -> token(part);
                case STRING -> new SearchValue.Str(unescape(part));
                case DATE -> date(key, part);
                case NUMBER -> number(key, part, false);
                case QUANTITY -> number(key, part, true);
                case REFERENCE -> reference(key, modifier, unescape(part));
                case URI -> new SearchValue.Uri(unescape(part));
                default -> throw invalid(key, part, "this parameter type cannot be searched");
            });
        }
        return values;
    }

    private static SearchValue token(String part) {
        List<String> pieces = split(part, '|');
        if (pieces.size() == 1) {
            return new SearchValue.Token(null, false, unescape(pieces.get(0)));
        }
        String system = unescape(pieces.get(0));
        String code = unescape(String.join("|", pieces.subList(1, pieces.size())));
        return new SearchValue.Token(system.isEmpty() ? null : system, true, code.isEmpty() ? null : code);
    }

    private static SearchValue date(String key, String part) {
        SearchValue.Prefix prefix = SearchValue.Prefix.of(part);
        String value = prefix == null ? part : part.substring(2);
        try {
            DateTimeType date = new DateTimeType(value);
            if (date.getValue() == null) {
                throw invalid(key, part, "not a FHIR date or dateTime");
            }
            long[] range = DateRanges.of(date);
            return new SearchValue.Date(prefix == null ? SearchValue.Prefix.EQ : prefix, range[0], range[1]);
        } catch (DataFormatException | IllegalArgumentException e) {
            throw invalid(key, part, "not a FHIR date or dateTime (e.g. 2024-05-01 or 2024-05-01T10:00:00Z)");
        }
    }

    private static SearchValue number(String key, String part, boolean quantity) {
        List<String> pieces = quantity ? split(part, '|') : List.of(part);
        if (pieces.size() != 1 && pieces.size() != 3) {
            throw invalid(key, part, "a quantity is number, number|system|code or number||code");
        }
        String first = pieces.get(0);
        SearchValue.Prefix prefix = SearchValue.Prefix.of(first);
        String number = prefix == null ? first : first.substring(2);
        BigDecimal value;
        try {
            value = new BigDecimal(number);
        } catch (NumberFormatException e) {
            throw invalid(key, part, "not a number");
        }
        BigDecimal half = BigDecimal.ONE.scaleByPowerOfTen(-value.scale()).divide(BigDecimal.valueOf(2));
        String system = pieces.size() == 3 && !pieces.get(1).isEmpty() ? unescape(pieces.get(1)) : null;
        String code = pieces.size() == 3 && !pieces.get(2).isEmpty() ? unescape(pieces.get(2)) : null;
        return new SearchValue.Num(prefix == null ? SearchValue.Prefix.EQ : prefix, value, value.subtract(half),
                value.add(half), system, code);
    }

    private static SearchValue reference(String key, String modifier, String part) {
        if (part.startsWith("http://") || part.startsWith("https://") || part.startsWith("urn:")) {
            IdType id = new IdType(part);
            return new SearchValue.Ref(id.getResourceType(), id.getIdPart(), part);
        }
        IdType id = new IdType(part);
        if (part.contains("/") && (!id.hasResourceType() || !id.hasIdPart())) {
            throw invalid(key, part, "a reference is [type]/[id], [id] or an absolute URL");
        }
        String type = id.hasResourceType() ? id.getResourceType() : modifier;
        return new SearchValue.Ref(type, id.getIdPart(), null);
    }

    /** Splits on {@code separator} where it is not escaped with a backslash; escapes are kept. */
    static List<String> split(String raw, char separator) {
        List<String> parts = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '\\' && i + 1 < raw.length()) {
                current.append(c).append(raw.charAt(++i));
            } else if (c == separator) {
                parts.add(current.toString());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        parts.add(current.toString());
        return parts;
    }

    private static String unescape(String value) {
        return value.replaceAll("\\\\([,|$\\\\])", "$1");
    }

    private static InvalidRequestException invalid(String key, String value, String why) {
        return new InvalidRequestException(
                "Invalid value for search parameter '" + key + "': '" + value + "' (" + why + ")");
    }
}
