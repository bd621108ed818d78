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
            return rs.next() ? Optional.of(new Load(rs.getString(1), Instant.ofEpochMilli(rs.getLong(2))))
                    : Optional.empty();
        } catch (SQLException e) {
            throw new StoreException("Could not read the content load log", e);
        }
    }

    /** Records {@code load} as the last successful load. */
    public void record(Load load) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement delete = c.prepareStatement("DELETE FROM content_load WHERE id = 1");
                    PreparedStatement insert = c.prepareStatement(
                            "INSERT INTO content_load (id, fingerprint, loaded_at) VALUES (1, ?, ?)")) {
                delete.executeUpdate();
                insert.setString(1, load.fingerprint());
                insert.setLong(2, load.loadedAt().toEpochMilli());
                insert.executeUpdate();
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new StoreException("Could not record the content load", e);
        }
    }
}
