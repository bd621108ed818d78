package org.formulary.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.formulary.search.Cursor;
import org.formulary.search.SearchQuery;
import org.formulary.store.HistoryPage;
import org.formulary.store.HistoryQuery;
import org.formulary.store.SearchPage;
import org.formulary.store.StoreException;
import org.formulary.store.StoredResource;

/** Runs searches and history queries with keyset paging. Thread-safe. */
final class SearchSql {

    private static final String FROM_CURRENT = " FROM resource_current c JOIN resource_version v ON v.seq = c.version_seq"
            + " WHERE c.res_type = ? AND c.deleted = FALSE";

    private final DataSource dataSource;

    SearchSql(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    SearchPage search(SearchQuery query) {
        try (Connection c = dataSource.getConnection()) {
            return search(c, query);
        } catch (SQLException e) {
            throw new StoreException("Search failed", e);
        }
    }

    /** Runs {@code query} on {@code c}, inside whatever transaction it is in. */
    SearchPage search(Connection c, SearchQuery query) throws SQLException {
        SqlFragment where = new SqlFragment().append(FROM_CURRENT, query.type()).append(CriteriaSql.where(query.criteria()));
        Optional<Integer> total = query.withTotal() || query.count() == 0
                ? Optional.of(count(c, new SqlFragment().append("SELECT COUNT(*)").append(where)))
                : Optional.empty();
        if (query.count() == 0) {
            return new SearchPage(List.of(), total, Optional.empty(), Optional.empty());
        }
        boolean forward = query.cursor().map(Cursor::after).orElse(true);
        boolean descending = query.sort().descending() ^ !forward;
        SortKey sortKey = SortKey.of(query.sort(), descending);
        SqlFragment select = new SqlFragment().append("SELECT " + JdbcResourceStore.VERSION_COLUMNS + ", ")
                .append(sortKey.expression()).append(" AS sort_key").append(where);
        query.cursor().ifPresent(cursor -> sortKey.keyset(select, cursor, descending));
        select.append(" ORDER BY ").append(sortKey.orderBy());
        select.append(" FETCH FIRST " + (query.count() + 1) + " ROWS ONLY");
        List<String> sortValues = new ArrayList<>();
        List<StoredResource> rows = list(c, select, sortValues);
        boolean more = rows.size() > query.count();
        if (more) {
            rows = new ArrayList<>(rows.subList(0, query.count()));
            sortValues = new ArrayList<>(sortValues.subList(0, query.count()));
        }
        if (!forward) {
            Collections.reverse(rows);
            Collections.reverse(sortValues);
        }
        boolean hasNext = forward ? more : true;
        boolean hasPrevious = forward ? query.cursor().isPresent() : more;
        int last = rows.size() - 1;
        Optional<Cursor> next = hasNext && !rows.isEmpty()
                ? Optional.of(new Cursor(true, sortValues.get(last), rows.get(last).id())) : Optional.empty();
        Optional<Cursor> previous = hasPrevious && !rows.isEmpty()
                ? Optional.of(new Cursor(false, sortValues.get(0), rows.get(0).id())) : Optional.empty();
        return new SearchPage(rows, total, next, previous);
    }

    HistoryPage history(HistoryQuery query) {
        SqlFragment where = new SqlFragment().append(" FROM resource_version v WHERE 1 = 1");
        query.type().ifPresent(t -> where.append(" AND v.res_type = ?", t));
        query.id().ifPresent(id -> where.append(" AND v.res_id = ?", id));
        query.since().ifPresent(s -> where.append(" AND v.last_updated >= ?", s.toEpochMilli()));
        try (Connection c = dataSource.getConnection()) {
            int total = count(c, new SqlFragment().append("SELECT COUNT(*)").append(where));
            SqlFragment select = new SqlFragment().append("SELECT " + JdbcResourceStore.VERSION_COLUMNS).append(where);
            query.beforeSeq().ifPresent(seq -> select.append(" AND v.seq < ?", seq));
            select.append(" ORDER BY v.seq DESC FETCH FIRST " + (query.count() + 1) + " ROWS ONLY");
            List<StoredResource> rows = list(c, select, null);
            boolean more = rows.size() > query.count();
            return new HistoryPage(more ? rows.subList(0, query.count()) : rows, total, more);
        } catch (SQLException e) {
            throw new StoreException("History query failed", e);
        }
    }

    private static int count(Connection c, SqlFragment sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.sql())) {
            sql.bind(ps);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /** The rows of {@code sql}; with {@code sortValues}, also collects the 8th column (the sort key) as text. */
    static List<StoredResource> list(Connection c, SqlFragment sql, List<String> sortValues) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.sql())) {
            sql.bind(ps);
            try (ResultSet rs = ps.executeQuery()) {
                List<StoredResource> rows = new ArrayList<>();
                while (rs.next()) {
                    rows.add(Rows.stored(rs));
                    if (sortValues != null) {
                        String value = rs.getString(8);
                        sortValues.add(value == null ? "" : value);
                    }
                }
                return rows;
            }
        }
    }
}
