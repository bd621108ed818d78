package org.formulary.store;

import java.time.Instant;
import java.util.Optional;

/**
 * What a history request asks for.
 *
 * @param type the resource type, or empty for the whole server
 * @param id the resource id, or empty for a whole type (requires {@code type})
 * @param since only versions stored at or after this instant
 * @param count the page size
 * @param beforeSeq only versions older than this change-feed position (the paging cursor)
 */
public record HistoryQuery(
        Optional<String> type, Optional<String> id, Optional<Instant> since, int count, Optional<Long> beforeSeq) {}
