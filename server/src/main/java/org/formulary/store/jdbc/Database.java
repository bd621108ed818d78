package org.formulary.store.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.util.Optional;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.formulary.config.DatabaseSettings;

/**
 * Opens the database named by the settings (H2 or PostgreSQL) behind a HikariCP connection pool and brings its
 * schema up to date with the versioned migrations. Both databases run the same migrations
 * ({@code db/migration}); PostgreSQL first gets what it lacks to read them ({@code db/vendor/postgresql}).
 * Several server nodes may open one PostgreSQL database at once: Flyway serialises their migrations with a lock.
 * An H2 file database is opened so that every acknowledged commit survives the process being killed (see
 * {@link H2Url}); the H2 engine gets its JVM-wide settings first (see {@link H2Runtime}).
 */
public final class Database {

    /** Whoever creates an H2 database becomes its administrator; earlier versions created them as {@code sa}. */
    private static final String H2_DEFAULT_USER = "sa";

    private Database() {}

    /**
     * A pooled {@link DataSource} for {@code settings} with the schema migrated to the newest version.
     * The caller owns the pool and disposes it with {@link #close(DataSource)}. Fails if the database cannot be
     * reached.
     */
    public static DataSource open(DatabaseSettings settings) {
        if (settings.vendor() == DatabaseSettings.Vendor.H2) {
            H2Runtime.configure();
        }
        HikariConfig config = new HikariConfig();
        config.setPoolName("formulary-db");
        config.setJdbcUrl(
                settings.vendor() == DatabaseSettings.Vendor.H2 ? H2Url.of(settings.url()) : settings.url());
        Optional<String> user = settings.vendor() == DatabaseSettings.Vendor.H2
                ? settings.user().or(() -> Optional.of(H2_DEFAULT_USER))
                : settings.user();
        user.ifPresent(config::setUsername);
        settings.password().ifPresent(config::setPassword);
        config.setMaximumPoolSize(settings.poolSize());
        HikariDataSource pool = new HikariDataSource(config);
        try {
            Flyway.configure().dataSource(pool).locations(migrations(settings.vendor())).load().migrate();
            return pool;
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    private static String[] migrations(DatabaseSettings.Vendor vendor) {
        return switch (vendor) {
            case H2 -> new String[] {"classpath:db/migration"};
            case POSTGRESQL -> new String[] {"classpath:db/migration", "classpath:db/vendor/postgresql"};
        };
    }

    /** Closes the pool's connections. */
    public static void close(DataSource dataSource) {
        if (dataSource instanceof HikariDataSource pool) {
            pool.close();
        }
    }
}
