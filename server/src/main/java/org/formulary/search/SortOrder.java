package org.formulary.search;

/**
 * The order of search results: by id (the default), by lastUpdated, or by a string, token or date search parameter,
 * always followed by id so that the order is total and keyset paging exact. A resource without a value for the
 * parameter sorts first ascending, last descending.
 *
 * @param key what is sorted on
 * @param param the search parameter for {@link Key#STRING}, {@link Key#TOKEN} and {@link Key#DATE}, else null
 * @param descending whether the order is descending
 */
public record SortOrder(Key key, String param, boolean descending) {

    /** What a sort is on. */
    public enum Key { ID, LAST_UPDATED, STRING, TOKEN, DATE }

    /** The default: ascending by id, stable while resources are updated. */
    public static final SortOrder ID_ASC = new SortOrder(Key.ID, null, false);
}
