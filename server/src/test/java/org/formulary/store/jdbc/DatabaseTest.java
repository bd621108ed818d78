package org.formulary.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.formulary.FormularyServerExtension;
import org.formulary.PostgresDatabases;
import org.flywaydb.core.Flyway;
import org.formulary.config.DatabaseSettings;
import org.h2.jdbcx.JdbcConnectionPool;
import org.junit.jupiter.api.Test;

/** Opening the database: the migrations each vendor runs, databases made by earlier versions, and failures. */
class DatabaseTest {

    @Test
    void postgresqlGetsTheSharedMigrationsAfterItsClobType() throws Exception {
        DatabaseSettings settings = DatabaseSettings.of(PostgresDatabases.create());
        DataSource first = Database.open(settings);
        try {
            assertEquals(List.of("0.1", "1", "2", "4", "5", "6", "7"), migrations(first));
        } finally {
            Database.close(first);
        }
        DataSource again = Database.open(settings);
        try {
            assertEquals(List.of("0.1", "1", "2", "4", "5", "6", "7"), migrations(again), "opening again migrates nothing");
            assertEquals(List.of("character varying"), column(again, "SELECT data_type FROM information_schema.columns"
                    + " WHERE table_name = 'resource_version' AND column_name = 'content'"), "JSON payloads in the row");
        } finally {
            Database.close(again);
        }
    }

    @Test
    void h2FileDatabaseOfAnEarlierVersionOpensAsSa() throws Exception {
        Path dir = Files.createTempDirectory("formulary-db-");
        String url = "jdbc:h2:file:" + dir.resolve("db").toAbsolutePath();
        try {
            // as earlier versions did: migrated over H2's own pool as user sa, empty password, payloads in a CLOB
            JdbcConnectionPool old = JdbcConnectionPool.create(url, "sa", "");
            Flyway.configure().dataSource(old).locations("classpath:db/migration").target("4").load().migrate();
            String payload = "{\"resourceType\":\"Basic\",\"id\":\"big\",\"text\":\"" + "x".repeat(100_000) + "\"}";
            try (Connection c = old.getConnection(); Statement s = c.createStatement();
                    PreparedStatement insert = c.prepareStatement("INSERT INTO resource_version (res_type, res_id,"
                            + " version_id, last_updated, deleted, content) VALUES ('Basic', 'big', 1, 42, FALSE, ?)")) {
                s.execute("UPDATE change_feed SET last_updated = 42");
                insert.setString(1, payload);
                insert.executeUpdate();
            }
            old.dispose();
            DataSource pool = Database.open(DatabaseSettings.of(url));
            try {
                assertEquals(List.of("1", "2", "4", "5", "6", "7"), migrations(pool), "H2 runs db/migration only");
                assertEquals(List.of("42"), column(pool, "SELECT last_updated FROM change_feed"));
                assertEquals(List.of(payload), column(pool, "SELECT content FROM resource_version"),
                        "the payload kept when it moved from the CLOB into the row");
                assertEquals(List.of("CHARACTER VARYING"), column(pool, "SELECT data_type FROM"
                        + " information_schema.columns WHERE table_name = 'RESOURCE_VERSION' AND column_name = 'CONTENT'"));
            } finally {
                Database.close(pool);
            }
        } finally {
            FormularyServerExtension.deleteRecursively(dir);
        }
    }

    @Test
    void anUnreachableDatabaseFailsTheStartWithTheDriversReason() {
        // port 19399 is in this project's test range and nothing listens there
        RuntimeException e = assertThrows(RuntimeException.class, () -> Database.open(
                DatabaseSettings.of("jdbc:postgresql://localhost:19399/formulary?connectTimeout=5")));
        String reasons = e.getMessage() + " / " + (e.getCause() == null ? "" : e.getCause().getMessage());
        assertTrue(reasons.contains("localhost:19399") && reasons.contains("refused"), reasons);
    }

    private static List<String> migrations(DataSource dataSource) throws SQLException {
        // (H2 also records the schema's creation, without a version)
        return column(dataSource, "SELECT \"version\" FROM \"flyway_schema_history\" WHERE \"success\""
                + " AND \"version\" IS NOT NULL ORDER BY \"installed_rank\"");
    }

    private static List<String> column(DataSource dataSource, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }
}
