package org.formulary.store.jdbc;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcConnectionPool;

/**
 * Opens the database named by a JDBC URL and brings its schema up to date with the versioned migrations. A file
 * database is opened so that every acknowledged commit survives the process being killed (see {@link H2Url}).
 */
public final class Database {

    private Database() {}

    /**
     * A pooled {@link DataSource} for {@code jdbcUrl} with the schema migrated to the newest version.
     * The caller owns the pool and disposes it with {@link #close(DataSource)}.
     */
    public static DataSource open(String jdbcUrl) {
        JdbcConnectionPool pool = JdbcConnectionPool.create(H2Url.of(jdbcUrl), "sa", "");
        pool.setMaxConnections(32);
        Flyway.configure().dataSource(pool).locations("classpath:db/migration").load().migrate();
        return pool;
    }

    /** Releases the pool's connections. */
    public static void close(DataSource dataSource) {
        if (dataSource instanceof JdbcConnectionPool pool) {
            pool.dispose();
        }
    }
}
