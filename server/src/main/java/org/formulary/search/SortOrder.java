package org.formulary.search;

/** The orders a search can be sorted in; each is a total order, so that keyset paging is exact. */
public enum SortOrder {
    /** By logical id (the default): stable while resources are updated. */
    ID_ASC,
    ID_DESC,
    /** By {@code meta.lastUpdated}, then id. */
    LAST_UPDATED_ASC,
    LAST_UPDATED_DESC;

    public boolean byLastUpdated() {
        return this == LAST_UPDATED_ASC || this == LAST_UPDATED_DESC;
    }

    public boolean descending() {
        return this == ID_DESC || this == LAST_UPDATED_DESC;
    }
}
