package org.formulary.store.jdbc;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import org.formulary.store.StoredResource;

/** Maps result rows selected with {@link JdbcResourceStore#VERSION_COLUMNS} to {@link StoredResource}. */
final class Rows {

    private Rows() {}

    static StoredResource stored(ResultSet rs) throws SQLException {
        return new StoredResource(
                rs.getString(1),
                rs.getString(2),
                rs.getLong(3),
                Instant.ofEpochMilli(rs.getLong(4)),
                rs.getBoolean(5),
                rs.getString(6),
                rs.getLong(7));
    }
}
