package org.formulary.store;

import java.util.List;

/**
 * One page of history, newest version first.
 *
 * @param versions the versions on this page
 * @param total how many versions match the query in all
 * @param hasMore whether older versions follow this page
 */
public record HistoryPage(List<StoredResource> versions, int total, boolean hasMore) {}
