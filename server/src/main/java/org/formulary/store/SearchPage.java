package org.formulary.store;

import java.util.List;
import java.util.Optional;
import org.formulary.search.Cursor;

/**
 * One page of search matches.
 *
 * @param matches the current versions of the matching resources, in the query's order
 * @param total how many resources match in all, or empty if the query did not ask for a total
 * @param next the cursor of the following page, if there is one
 * @param previous the cursor of the preceding page, if there is one
 */
public record SearchPage(
        List<StoredResource> matches, Optional<Integer> total, Optional<Cursor> next, Optional<Cursor> previous) {}
