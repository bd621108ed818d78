package org.formulary.search;

import java.util.List;
import java.util.Optional;

/**
 * A parsed, validated search over one resource type.
 *
 * @param type the resource type
 * @param criteria AND-ed criteria
 * @param sort the order of the results
 * @param count the page size; 0 asks for the total only
 * @param cursor the page to return, or empty for the first
 * @param withTotal whether to count all matches
 */
public record SearchQuery(
        String type,
        List<Criterion> criteria,
        SortOrder sort,
        int count,
        Optional<Cursor> cursor,
        boolean withTotal) {}
