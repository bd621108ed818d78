package org.formulary.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import org.formulary.search.IndexRows;
import org.formulary.search.Text;

/** Replaces the search-index rows of one resource inside the caller's transaction. Stateless, thread-safe. */
final class IndexWriter {

    static final List<String> TABLES =
            List.of("idx_token", "idx_string", "idx_reference", "idx_date", "idx_number", "idx_uri");

    private IndexWriter() {}

    /** Removes every index row of {@code type/id}. */
    static void clear(Connection c, String type, String id) throws SQLException {
        for (String table : TABLES) {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE res_type = ? AND res_id = ?")) {
                ps.setString(1, type);
                ps.setString(2, id);
                ps.executeUpdate();
            }
        }
    }

    /** Inserts {@code rows} for {@code type/id}. */
    static void insert(Connection c, String type, String id, IndexRows rows) throws SQLException {
        batch(c, "INSERT INTO idx_token (res_type, res_id, param, system, code, display) VALUES (?,?,?,?,?,?)",
                type, id, rows.tokens, (ps, t) -> {
                    ps.setString(3, t.param());
                    ps.setString(4, t.system());
                    ps.setString(5, t.code());
                    ps.setString(6, t.display());
                });
        batch(c, "INSERT INTO idx_string (res_type, res_id, param, value_normalized, value_exact, value_prefix)"
                        + " VALUES (?,?,?,?,?,?)",
                type, id, rows.strings, (ps, s) -> {
                    ps.setString(3, s.param());
                    ps.setString(4, s.normalized());
                    ps.setString(5, s.exact());
                    ps.setString(6, Text.prefix(s.normalized()).orElse(null));
                });
        batch(c, "INSERT INTO idx_reference (res_type, res_id, param, target_type, target_id, target_url)"
                        + " VALUES (?,?,?,?,?,?)",
                type, id, rows.references, (ps, r) -> {
                    ps.setString(3, r.param());
                    ps.setString(4, r.targetType());
                    ps.setString(5, r.targetId());
                    ps.setString(6, r.targetUrl());
                });
        batch(c, "INSERT INTO idx_date (res_type, res_id, param, low_value, high_value) VALUES (?,?,?,?,?)",
                type, id, rows.dates, (ps, d) -> {
                    ps.setString(3, d.param());
                    ps.setLong(4, d.low());
                    ps.setLong(5, d.high());
                });
        batch(c, "INSERT INTO idx_number (res_type, res_id, param, value_num, system, code) VALUES (?,?,?,?,?,?)",
                type, id, rows.numbers, (ps, n) -> {
                    ps.setString(3, n.param());
                    ps.setBigDecimal(4, n.value());
                    ps.setString(5, n.system());
                    ps.setString(6, n.code());
                });
        batch(c, "INSERT INTO idx_uri (res_type, res_id, param, uri) VALUES (?,?,?,?)",
                type, id, rows.uris, (ps, u) -> {
                    ps.setString(3, u.param());
                    ps.setString(4, u.uri());
                });
    }

    private interface Binder<T> {
        void bind(PreparedStatement ps, T row) throws SQLException;
    }

    private static <T> void batch(Connection c, String sql, String type, String id, List<T> rows, Binder<T> binder)
            throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (T row : rows) {
                ps.setString(1, type);
                ps.setString(2, id);
                binder.bind(ps, row);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }
}
