package org.formulary.search;

import java.math.BigDecimal;

/** One parsed value of a search parameter; a comma-separated list of these is an OR. */
public sealed interface SearchValue {

    /** {@code [system]|[code]}; {@code systemGiven} with a null system means {@code |code} (no system). */
    record Token(String system, boolean systemGiven, String code) implements SearchValue {}

    /** A string value, raw as the client sent it. */
    record Str(String value) implements SearchValue {}

    /** A date with its comparison prefix and the range its precision covers, {@code [low, high)}. */
    record Date(Prefix prefix, long low, long high) implements SearchValue {}

    /** A number (or quantity value) with prefix and the implicit range of its precision {@code [low, high)}. */
    record Num(Prefix prefix, BigDecimal value, BigDecimal low, BigDecimal high, String system, String code)
            implements SearchValue {}

    /** A reference by type and id, id alone (any type) or absolute URL. */
    record Ref(String type, String id, String url) implements SearchValue {}

    /** A URI. */
    record Uri(String value) implements SearchValue {}

    /** {@code :missing=true|false}. */
    record Missing(boolean missing) implements SearchValue {}

    /** The comparison prefixes of number, date and quantity parameters. */
    enum Prefix {
        EQ, NE, GT, LT, GE, LE, SA, EB, AP;

        /** The prefix at the start of {@code value}, or {@code null} if it has none. */
        static Prefix of(String value) {
            if (value.length() >= 2 && Character.isLetter(value.charAt(0)) && Character.isLetter(value.charAt(1))) {
                try {
                    return valueOf(value.substring(0, 2).toUpperCase(java.util.Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    return null;
                }
            }
            return null;
        }
    }
}
