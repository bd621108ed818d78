package org.formulary.search;

import java.text.Normalizer;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/** String normalisation shared by indexing and querying, so that both sides agree. Stateless. */
public final class Text {

    /** Longest string the index keeps; longer values are cut (prefix search still works on them). */
    public static final int MAX_INDEXED_LENGTH = 1000;

    /** How many leading characters of a normalised string value are indexed for prefix search. */
    public static final int PREFIX_LENGTH = 3;

    private static final Pattern MARKS = Pattern.compile("\\p{M}+");

    private Text() {}

    /** Lower case without accents, as the FHIR string search's case- and accent-insensitive matching needs. */
    public static String normalize(String value) {
        String decomposed = Normalizer.normalize(value, Normalizer.Form.NFD);
        return truncate(MARKS.matcher(decomposed).replaceAll("").toLowerCase(Locale.ROOT));
    }

    /**
     * The first {@value #PREFIX_LENGTH} characters of a normalised value (fewer if it is shorter), the indexed key
     * of prefix search; empty when they include a surrogate (the databases count those characters differently).
     */
    public static Optional<String> prefix(String normalized) {
        String prefix = normalized.substring(0, Math.min(PREFIX_LENGTH, normalized.length()));
        return prefix.chars().anyMatch(ch -> Character.isSurrogate((char) ch)) ? Optional.empty() : Optional.of(prefix);
    }

    /** {@code value} cut to the longest length the index keeps. */
    public static String truncate(String value) {
        return value == null || value.length() <= MAX_INDEXED_LENGTH ? value : value.substring(0, MAX_INDEXED_LENGTH);
    }
}
