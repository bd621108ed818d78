package org.formulary.content;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;
import javax.sql.DataSource;
import org.formulary.store.StoreException;

/**
 * The record of the last successful content load (table {@code content_load}): its {@link ContentFingerprint} and
 * when it finished. Portable SQL. Thread-safe.
 */
public final class ContentLoadLog {

    /** A finished load: the fingerprint of its inputs, and when it finished. */
    public record Load(String fingerprint, Instant loadedAt) {}

    private final DataSource dataSource;

    public ContentLoadLog(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** The last successful load, if any. */
    public Optional<Load> last() {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT fingerprint, loaded_at FROM content_load WHERE id = 1");
                ResultSet rs = ps.executeQuery()) {
            return rs.next() && !rs.getString(1).isEmpty()
                    ? Optional.of(new Load(rs.getString(1), Instant.ofEpochMilli(rs.getLong(2))))
                    : Optional.empty();
        } catch (SQLException e) {
            throw new StoreException("Could not read the content load log", e);
        }
    }

    /** Records {@code load} as the last successful load. */
    public void record(Load load) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "UPDATE content_load SET fingerprint = ?, loaded_at = ? WHERE id = 1")) {
            ps.setString(1, load.fingerprint());
            ps.setLong(2, load.loadedAt().toEpochMilli());
            if (ps.executeUpdate() != 1) {
                throw new StoreException("The content load log has no row: migration V7 did not run", null);
            }
        } catch (SQLException e) {
            throw new StoreException("Could not record the content load", e);
        }
    }
}
