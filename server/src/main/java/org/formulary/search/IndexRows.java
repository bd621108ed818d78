package org.formulary.search;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * The search-index rows of one resource version, grouped by index table. Mutable while being built by
 * {@link IndexExtractor}; not thread-safe.
 */
public final class IndexRows {

    /**
     * A token: a coded value with optional system, and its display text normalised for {@code :text} searches
     * ({@code CodeableConcept.text} is a row of its own, with no code).
     */
    public record Token(String param, String system, String code, String display) {}

    /** A string value, kept normalised (for prefix and contains matching) and as written (for :exact). */
    public record Str(String param, String normalized, String exact) {}

    /** A reference to another resource, by type and id, or by URL for absolute and canonical references. */
    public record Ref(String param, String targetType, String targetId, String targetUrl) {}

    /** A date range in epoch milliseconds, low inclusive, high exclusive. */
    public record DateRange(String param, long low, long high) {}

    /** A number or quantity; {@code system} and {@code code} are set for quantities only. */
    public record Num(String param, BigDecimal value, String system, String code) {}

    /** A URI. */
    public record Uri(String param, String uri) {}

    /**
     * The token parameter under which the {@code identifier}s of reference parameter {@code param}'s references are
     * indexed, for {@code [param]:identifier=[system]|[value]} (e.g. a Provenance agent named by identifier only).
     */
    public static String identifierParam(String param) {
        return param + ":identifier";
    }

    public final List<Token> tokens = new ArrayList<>();
    public final List<Str> strings = new ArrayList<>();
    public final List<Ref> references = new ArrayList<>();
    public final List<DateRange> dates = new ArrayList<>();
    public final List<Num> numbers = new ArrayList<>();
    public final List<Uri> uris = new ArrayList<>();
}
