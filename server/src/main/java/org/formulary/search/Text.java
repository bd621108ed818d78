package org.formulary.search;

import java.text.Normalizer;
import java.util.Locale;
import java.util.regex.Pattern;

/** String normalisation shared by indexing and querying, so that both sides agree. Stateless. */
public final class Text {

    /** Longest string the index keeps; longer values are cut (prefix search still works on them). */
    public static final int MAX_INDEXED_LENGTH = 1000;

    private static final Pattern MARKS = Pattern.compile("\\p{M}+");

    private Text() {}

    /** Lower case without accents, as the FHIR string search's case- and accent-insensitive matching needs. */
    public static String normalize(String value) {
        String decomposed = Normalizer.normalize(value, Normalizer.Form.NFD);
        return truncate(MARKS.matcher(decomposed).replaceAll("").toLowerCase(Locale.ROOT));
    }

    /** {@code value} cut to the longest length the index keeps. */
    public static String truncate(String value) {
        return value == null || value.length() <= MAX_INDEXED_LENGTH ? value : value.substring(0, MAX_INDEXED_LENGTH);
    }
}
