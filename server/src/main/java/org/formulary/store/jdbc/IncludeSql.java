package org.formulary.store.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.formulary.store.StoreException;
import org.formulary.store.StoredResource;

/** Follows reference index rows, forwards for {@code _include} and backwards for {@code _revinclude}. Thread-safe. */
final class IncludeSql {

    private static final String CURRENT = "SELECT " + JdbcResourceStore.VERSION_COLUMNS
            + " FROM resource_current c JOIN resource_version v ON v.seq = c.version_seq WHERE c.deleted = FALSE";

    private IncludeSql() {}

    static List<StoredResource> referencedBy(DataSource dataSource, String sourceType, Collection<String> sourceIds,
            String param, Optional<String> targetType, int limit) {
        if (sourceIds.isEmpty()) {
            return List.of();
        }
        SqlFragment sql = new SqlFragment().append(CURRENT + " AND EXISTS (SELECT 1 FROM idx_reference x"
                + " WHERE x.res_type = ? AND x.param = ? AND x.target_type = c.res_type AND x.target_id = c.res_id"
                + " AND x.res_id IN (", sourceType, param);
        inList(sql, sourceIds);
        sql.append(")");
        targetType.ifPresent(t -> sql.append(" AND x.target_type = ?", t));
        sql.append(") ORDER BY c.res_type, c.res_id FETCH FIRST " + limit + " ROWS ONLY");
        return list(dataSource, sql);
    }

    static List<StoredResource> referencing(DataSource dataSource, String type, String param,
            Collection<String> targets, int limit) {
        if (targets.isEmpty()) {
            return List.of();
        }
        SqlFragment sql = new SqlFragment().append(CURRENT + " AND c.res_type = ? AND EXISTS (SELECT 1 FROM"
                + " idx_reference x WHERE x.res_type = c.res_type AND x.res_id = c.res_id AND x.param = ? AND (",
                type, param);
        boolean first = true;
        for (String target : targets) {
            int slash = target.indexOf('/');
            sql.append(first ? "" : " OR ").append("(x.target_type = ? AND x.target_id = ?)",
                    target.substring(0, slash), target.substring(slash + 1));
            first = false;
        }
        sql.append(")) ORDER BY c.res_id FETCH FIRST " + limit + " ROWS ONLY");
        return list(dataSource, sql);
    }

    private static void inList(SqlFragment sql, Collection<String> values) {
        boolean first = true;
        for (String value : values) {
            sql.append(first ? "?" : ", ?", value);
            first = false;
        }
    }

    private static List<StoredResource> list(DataSource dataSource, SqlFragment sql) {
        try (Connection c = dataSource.getConnection()) {
            return SearchSql.list(c, sql, null);
        } catch (SQLException e) {
            throw new StoreException("Include query failed", e);
        }
    }
}
