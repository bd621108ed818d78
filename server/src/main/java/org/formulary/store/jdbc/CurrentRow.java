package org.formulary.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** The {@code resource_current} row of one resource, as read (and locked) inside a write transaction. */
record CurrentRow(long version, long seq, long lastUpdated, boolean deleted, String hash) {

    /** Reads and row-locks the current row of {@code type/id}, or returns null if the resource never existed. */
    static CurrentRow lock(Connection c, String type, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT version_id, version_seq, last_updated, deleted,"
                + " content_hash FROM resource_current WHERE res_type = ? AND res_id = ? FOR UPDATE")) {
            ps.setString(1, type);
            ps.setString(2, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next()
                        ? new CurrentRow(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getBoolean(4), rs.getString(5))
                        : null;
            }
        }
    }

    /** Points {@code type/id} at a new version: inserts the row if {@code previous} is null, else updates it. */
    static void upsert(Connection c, CurrentRow previous, String type, String id, long version, long seq, long now,
            boolean deleted, String hash) throws SQLException {
        String sql = previous == null
                ? "INSERT INTO resource_current (version_id, version_seq, last_updated, deleted, content_hash,"
                        + " res_type, res_id) VALUES (?,?,?,?,?,?,?)"
                : "UPDATE resource_current SET version_id = ?, version_seq = ?, last_updated = ?, deleted = ?,"
                        + " content_hash = ? WHERE res_type = ? AND res_id = ?";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, version);
            ps.setLong(2, seq);
            ps.setLong(3, now);
            ps.setBoolean(4, deleted);
            ps.setString(5, hash);
            ps.setString(6, type);
            ps.setString(7, id);
            ps.executeUpdate();
        }
    }
}
