package org.formulary.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import org.formulary.search.Cursor;
import org.formulary.search.SearchQuery;
import org.formulary.store.HistoryPage;
import org.formulary.store.HistoryQuery;
import org.formulary.store.SearchPage;
import org.formulary.store.StoreException;
import org.formulary.store.StoredResource;

/**
 * Runs searches and history queries with keyset paging. Thread-safe.
 *
 * <p>A page is read in two steps: first the sequence numbers of its versions, in order (a query on the index
 * tables and the small rows of {@code resource_current}), then those versions' content by primary key. Sorting
 * rows that carry the JSON would make H2 copy every large value of the candidates into a temporary store.
 */
final class SearchSql {

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
        SqlFragment matches = CriteriaSql.currentMatches(query.type(), query.criteria());
        Optional<Integer> total = query.withTotal() || query.count() == 0
                ? Optional.of(count(c, new SqlFragment().append("SELECT COUNT(*)").append(matches)))
                : Optional.empty();
        if (query.count() == 0) {
            return new SearchPage(List.of(), total, Optional.empty(), Optional.empty());
        }
        boolean forward = query.cursor().map(Cursor::after).orElse(true);
        boolean descending = query.sort().descending() ^ !forward;
        SortKey sortKey = SortKey.of(query.sort(), descending);
        SqlFragment select = new SqlFragment().append("SELECT c.version_seq, c.res_id, ")
                .append(sortKey.expression()).append(" AS sort_key").append(matches);
        query.cursor().ifPresent(cursor -> sortKey.keyset(select, cursor, descending));
        select.append(" ORDER BY ").append(sortKey.orderBy());
        select.append(" FETCH FIRST " + (query.count() + 1) + " ROWS ONLY");
        List<PageRow> page = pageRows(c, select);
        boolean more = page.size() > query.count();
        if (more) {
            page = new ArrayList<>(page.subList(0, query.count()));
        }
        if (!forward) {
            Collections.reverse(page);
        }
        List<StoredResource> rows = versions(c, page.stream().map(PageRow::seq).toList());
        boolean hasNext = forward ? more : true;
        boolean hasPrevious = forward ? query.cursor().isPresent() : more;
        Optional<Cursor> next = hasNext && !page.isEmpty()
                ? Optional.of(page.get(page.size() - 1).cursor(true)) : Optional.empty();
        Optional<Cursor> previous = hasPrevious && !page.isEmpty()
                ? Optional.of(page.get(0).cursor(false)) : Optional.empty();
        return new SearchPage(rows, total, next, previous);
    }

    HistoryPage history(HistoryQuery query) {
        SqlFragment where = new SqlFragment().append(" FROM resource_version v WHERE 1 = 1");
        query.type().ifPresent(t -> where.append(" AND v.res_type = ?", t));
        query.id().ifPresent(id -> where.append(" AND v.res_id = ?", id));
        query.since().ifPresent(s -> where.append(" AND v.last_updated >= ?", s.toEpochMilli()));
        try (Connection c = dataSource.getConnection()) {
            int total = count(c, new SqlFragment().append("SELECT COUNT(*)").append(where));
            SqlFragment select = new SqlFragment().append("SELECT v.seq").append(where);
            query.beforeSeq().ifPresent(seq -> select.append(" AND v.seq < ?", seq));
            select.append(" ORDER BY v.seq DESC FETCH FIRST " + (query.count() + 1) + " ROWS ONLY");
            List<Long> seqs = new ArrayList<>();
            query(c, select, rs -> seqs.add(rs.getLong(1)));
            boolean more = seqs.size() > query.count();
            return new HistoryPage(versions(c, more ? seqs.subList(0, query.count()) : seqs), total, more);
        } catch (SQLException e) {
            throw new StoreException("History query failed", e);
        }
    }

    /**
     * The versions with sequence numbers {@code seqs}, in that order, read by primary key. {@code seqs} are
     * versions that exist (versions are never removed).
     */
    static List<StoredResource> versions(Connection c, List<Long> seqs) throws SQLException {
        if (seqs.isEmpty()) {
            return List.of();
        }
        SqlFragment select = new SqlFragment().append("SELECT " + JdbcResourceStore.VERSION_COLUMNS
                + " FROM resource_version v WHERE v.seq IN (");
        for (int i = 0; i < seqs.size(); i++) {
            select.append(i == 0 ? "?" : ", ?", seqs.get(i));
        }
        select.append(")");
        Map<Long, StoredResource> bySeq = new HashMap<>();
        query(c, select, rs -> {
            StoredResource version = Rows.stored(rs);
            bySeq.put(version.seq(), version);
        });
        List<StoredResource> ordered = new ArrayList<>(seqs.size());
        for (Long seq : seqs) {
            StoredResource version = bySeq.get(seq);
            if (version == null) {
                throw new SQLException("Resource version " + seq + " is missing");
            }
            ordered.add(version);
        }
        return ordered;
    }

    private static int count(Connection c, SqlFragment sql) throws SQLException {
        int[] count = new int[1];
        query(c, sql, rs -> count[0] = rs.getInt(1));
        return count[0];
    }

    private static List<PageRow> pageRows(Connection c, SqlFragment sql) throws SQLException {
        List<PageRow> rows = new ArrayList<>();
        query(c, sql, rs -> {
            String sortValue = rs.getString(3);
            rows.add(new PageRow(rs.getLong(1), rs.getString(2), sortValue == null ? "" : sortValue));
        });
        return rows;
    }

    /** Runs {@code sql} on {@code c} and hands each row to {@code row}. */
    static void query(Connection c, SqlFragment sql, RowHandler row) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.sql())) {
            sql.bind(ps);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    row.accept(rs);
                }
            }
        }
    }

    /** Takes one result row. */
    @FunctionalInterface
    interface RowHandler {
        void accept(ResultSet rs) throws SQLException;
    }

    /** A match of a page: its current version, its id and its sort value as text (the cursor's parts). */
    private record PageRow(long seq, String id, String sortValue) {

        Cursor cursor(boolean after) {
            return new Cursor(after, sortValue, id);
        }
    }
}
