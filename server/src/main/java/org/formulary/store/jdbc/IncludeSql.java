package org.formulary.store.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.formulary.store.StoreException;
import org.formulary.store.StoredResource;

/**
 * Follows reference index rows, forwards for {@code _include} and backwards for {@code _revinclude}. The given
 * resources are a table of values joined to the reference index, so that its key drives the query (H2 uses an
 * {@code IN} list with an index only on the index's first column). Thread-safe.
 */
final class IncludeSql {

    private static final String CURRENT_BY_KEY = " JOIN resource_current c ON c.res_type = t.res_type"
            + " AND c.res_id = t.res_id WHERE c.deleted = FALSE";

    private IncludeSql() {}

    static List<StoredResource> referencedBy(DataSource dataSource, String sourceType, Collection<String> sourceIds,
            String param, Optional<String> targetType, int limit) {
        if (sourceIds.isEmpty()) {
            return List.of();
        }
        return versions(dataSource, referencedByQuery(sourceType, sourceIds, param, targetType, limit));
    }

    /** The query of {@link #referencedBy}: the current version numbers of the resources referenced. */
    static SqlFragment referencedByQuery(String sourceType, Collection<String> sourceIds, String param,
            Optional<String> targetType, int limit) {
        SqlFragment sql = new SqlFragment().append("SELECT c.version_seq FROM (SELECT DISTINCT x.target_type AS"
                + " res_type, x.target_id AS res_id FROM (VALUES ");
        values(sql, sourceIds);
        sql.append(") s(id) JOIN idx_reference x ON x.res_type = ? AND x.res_id = s.id AND x.param = ?",
                sourceType, param);
        targetType.ifPresent(t -> sql.append(" AND x.target_type = ?", t));
        return sql.append(") t" + CURRENT_BY_KEY + " ORDER BY c.res_type, c.res_id FETCH FIRST " + limit
                + " ROWS ONLY");
    }

    static List<StoredResource> referencing(DataSource dataSource, String type, String param,
            Collection<String> targets, int limit) {
        if (targets.isEmpty()) {
            return List.of();
        }
        SqlFragment sql = new SqlFragment().append("SELECT c.version_seq FROM (SELECT DISTINCT x.res_type,"
                + " x.res_id FROM (VALUES ");
        boolean first = true;
        for (String target : targets) {
            int slash = target.indexOf('/');
            sql.append(first ? "(?, ?)" : ", (?, ?)", target.substring(0, slash), target.substring(slash + 1));
            first = false;
        }
        sql.append(") s(target_type, target_id) JOIN idx_reference x ON x.res_type = ? AND x.param = ?"
                + " AND x.target_id = s.target_id AND x.target_type = s.target_type) t" + CURRENT_BY_KEY
                + " ORDER BY c.res_id FETCH FIRST " + limit + " ROWS ONLY", type, param);
        return versions(dataSource, sql);
    }

    private static void values(SqlFragment sql, Collection<String> values) {
        boolean first = true;
        for (String value : values) {
            sql.append(first ? "(?)" : ", (?)", value);
            first = false;
        }
    }

    private static List<StoredResource> versions(DataSource dataSource, SqlFragment sql) {
        try (Connection c = dataSource.getConnection()) {
            List<Long> seqs = new ArrayList<>();
            SearchSql.query(c, sql, rs -> seqs.add(rs.getLong(1)));
            return SearchSql.versions(c, seqs);
        } catch (SQLException e) {
            throw new StoreException("Include query failed", e);
        }
    }
}
