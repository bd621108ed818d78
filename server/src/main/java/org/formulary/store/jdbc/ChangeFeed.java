package org.formulary.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Serialises writers on the {@code change_feed} row so that versions commit in change-feed order and every write's
 * lastUpdated is at least the previous write's: readers of {@code _history} and {@code _lastUpdated} then see a
 * gap-free, ordered feed. Writes are rare next to reads in a formulary, so one writer at a time costs little.
 */
final class ChangeFeed {

    private ChangeFeed() {}

    /** Locks the feed for this transaction and returns the lastUpdated (epoch ms) the write may use. */
    static long lock(Connection c) throws SQLException {
        return Math.max(System.currentTimeMillis(), lockNewest(c));
    }

    /**
     * Waits for the write holding the feed, if any, to commit, and makes every later write stamp a lastUpdated after
     * {@code asOf} (epoch ms), whatever the clock of the node it runs on says: a write stamps at least the newest
     * lastUpdated handed out, which this records as {@code asOf + 1} unless it is later already.
     */
    static void sealUpTo(Connection c, long asOf) throws SQLException {
        if (lockNewest(c) <= asOf) {
            advance(c, asOf + 1);
        }
    }

    /** Locks the feed for this transaction and returns the newest lastUpdated handed out (epoch ms). */
    private static long lockNewest(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT last_updated FROM change_feed WHERE id = 1 FOR UPDATE");
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Records {@code lastUpdated} as the newest handed out. */
    static void advance(Connection c, long lastUpdated) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE change_feed SET last_updated = ? WHERE id = 1")) {
            ps.setLong(1, lastUpdated);
            ps.executeUpdate();
        }
    }
}
