package org.formulary;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * What a rejected request must not change, read from the server's database over JDBC: per resource type the number
 * of current resources, of deleted ones, and the sum and highest of their version numbers; the number of versions
 * and the highest change-feed position; the rows of every search index table; the export jobs and files; the
 * change feed's last lastUpdated. Two snapshots are equal when none of these changed. Immutable.
 *
 * @param lines one line per figure, e.g. {@code resource_current Medication: 14 current, 0 deleted, versions sum 14
 *     max 1}
 */
record DatabaseSnapshot(List<String> lines) {

    private static final List<String> COUNTED_TABLES = List.of("idx_token", "idx_string", "idx_reference",
            "idx_date", "idx_number", "idx_uri", "export_job", "export_file");

    /** Reads the snapshot of the H2 database at {@code dbUrl}. */
    static DatabaseSnapshot of(String dbUrl) throws SQLException {
        List<String> lines = new ArrayList<>();
        try (Connection connection = DriverManager.getConnection(dbUrl, "sa", "");
                Statement statement = connection.createStatement()) {
            try (ResultSet rs = statement.executeQuery("SELECT res_type, COUNT(*),"
                    + " SUM(CASE WHEN deleted THEN 1 ELSE 0 END), SUM(version_id), MAX(version_id)"
                    + " FROM resource_current GROUP BY res_type ORDER BY res_type")) {
                while (rs.next()) {
                    lines.add("resource_current " + rs.getString(1) + ": " + rs.getLong(2) + " current, "
                            + rs.getLong(3) + " deleted, versions sum " + rs.getLong(4) + " max " + rs.getLong(5));
                }
            }
            try (ResultSet rs = statement.executeQuery(
                    "SELECT COUNT(*), COALESCE(MAX(seq), 0) FROM resource_version")) {
                rs.next();
                lines.add("resource_version: " + rs.getLong(1) + " versions, last seq " + rs.getLong(2));
            }
            for (String table : COUNTED_TABLES) {
                try (ResultSet rs = statement.executeQuery("SELECT COUNT(*) FROM " + table)) {
                    rs.next();
                    lines.add(table + ": " + rs.getLong(1) + " rows");
                }
            }
            try (ResultSet rs = statement.executeQuery("SELECT last_updated FROM change_feed")) {
                rs.next();
                lines.add("change_feed: last_updated " + rs.getLong(1));
            }
        }
        return new DatabaseSnapshot(List.copyOf(lines));
    }

    @Override
    public String toString() {
        return String.join("\n", lines);
    }
}
