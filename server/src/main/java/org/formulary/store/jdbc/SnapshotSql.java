package org.formulary.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.formulary.store.StoreException;
import org.formulary.store.StoredResource;

/**
 * Reads resources as they stood at an instant, for Bulk Data export: the version of each resource that was current
 * then is its newest version stored at or before that instant (a resource's {@code last_updated} never decreases
 * from one version to the next). Streams through a forward-only cursor with a fetch size, in a read-only
 * transaction (PostgreSQL only streams with auto-commit off). Portable SQL. Thread-safe.
 */
final class SnapshotSql {

    /** Rows fetched per round trip when the driver streams (PostgreSQL); H2 embedded ignores it. */
    static final int FETCH_SIZE = 256;

    private static final String AS_OF = "SELECT " + JdbcResourceStore.VERSION_COLUMNS
            + " FROM resource_version v WHERE v.res_type = ? AND v.last_updated <= ?"
            + " AND NOT EXISTS (SELECT 1 FROM resource_version n WHERE n.res_type = v.res_type"
            + " AND n.res_id = v.res_id AND n.version_id > v.version_id AND n.last_updated <= ?)";

    private final DataSource dataSource;

    SnapshotSql(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    void forEach(String type, Instant asOf, Optional<Instant> since, Consumer<StoredResource> action) {
        String sql = AS_OF + (since.isPresent() ? " AND v.last_updated > ?" : "") + " ORDER BY v.res_id";
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
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
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new StoreException("Could not read " + type + " as of " + asOf, e);
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
