package org.formulary.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.formulary.store.StoreException;
import org.formulary.store.StoredResource;

/**
 * Reads resources as they stood at an instant, for Bulk Data export: the version of each resource that was current
 * then is its newest version stored at or before that instant (a resource's {@code last_updated} never decreases
 * from one version to the next). Streams through a forward-only cursor in a read-only transaction: PostgreSQL
 * streams with a fetch size (and only with auto-commit off); H2 embedded ignores the fetch size and builds the whole
 * result before handing out its first row unless the session executes queries lazily, which it does for this query.
 * The order is that of the {@code (res_type, res_id, version_id)} index, so neither database sorts. Portable SQL
 * apart from H2's session setting. Thread-safe.
 */
final class SnapshotSql {

    /** Rows fetched per round trip when the driver streams (PostgreSQL); H2 embedded ignores it. */
    static final int FETCH_SIZE = 256;

    private static final String H2 = "H2";

    private static final String AS_OF = "SELECT " + JdbcResourceStore.VERSION_COLUMNS
            + " FROM resource_version v WHERE v.res_type = ? AND v.last_updated <= ?"
            + " AND NOT EXISTS (SELECT 1 FROM resource_version n WHERE n.res_type = v.res_type"
            + " AND n.res_id = v.res_id AND n.version_id > v.version_id AND n.last_updated <= ?)";

    private final DataSource dataSource;

    SnapshotSql(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    void forEach(String type, Instant asOf, Optional<Instant> since, Consumer<StoredResource> action) {
        // res_type is fixed, but naming it lets H2 see that the index already gives this order.
        String sql = AS_OF + (since.isPresent() ? " AND v.last_updated > ?" : "") + " ORDER BY v.res_type, v.res_id";
        try (Connection c = dataSource.getConnection()) {
            boolean h2 = H2.equals(c.getMetaData().getDatabaseProductName());
            c.setAutoCommit(false);
            lazy(c, h2, true);
            try (PreparedStatement ps =
                    c.prepareStatement(sql, ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY)) {
                ps.setFetchSize(FETCH_SIZE);
                ps.setString(1, type);
                ps.setLong(2, asOf.toEpochMilli());
                ps.setLong(3, asOf.toEpochMilli());
                if (since.isPresent()) {
                    ps.setLong(4, since.get().toEpochMilli());
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        action.accept(Rows.stored(rs));
                    }
                }
            } finally {
                c.rollback();
                lazy(c, h2, false);
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new StoreException("Could not read " + type + " as of " + asOf, e);
        }
    }

    /** Switches H2's lazy query execution, the way it streams a result, for the pooled connection {@code c}. */
    private static void lazy(Connection c, boolean h2, boolean on) throws SQLException {
        if (h2) {
            try (Statement s = c.createStatement()) {
                s.execute("SET LAZY_QUERY_EXECUTION " + on);
            }
        }
    }

    Optional<StoredResource> read(String type, String id, Instant asOf) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(AS_OF + " AND v.res_id = ?")) {
            ps.setString(1, type);
            ps.setLong(2, asOf.toEpochMilli());
            ps.setLong(3, asOf.toEpochMilli());
            ps.setString(4, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(Rows.stored(rs)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new StoreException("Could not read " + type + "/" + id + " as of " + asOf, e);
        }
    }
}
