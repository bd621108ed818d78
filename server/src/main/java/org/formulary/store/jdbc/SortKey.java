package org.formulary.store.jdbc;

import org.formulary.search.Cursor;
import org.formulary.search.SortOrder;

/**
 * The SQL of a sort order on the current-resource alias {@code c}: its sort expression (read back as the cursor's
 * sort value) and the keyset condition that starts a page after or before a cursor. A resource without a value
 * for a parameter sorts as the lowest value. Immutable.
 */
final class SortKey {

    private static final String LOWEST_DATE = Long.toString(Long.MIN_VALUE / 2);

    private final SortOrder sort;
    private final boolean descending;

    private SortKey(SortOrder sort, boolean descending) {
        this.sort = sort;
        this.descending = descending;
    }

    /** The key of {@code sort} read in the given direction (a previous page reads the order backwards). */
    static SortKey of(SortOrder sort, boolean descending) {
        return new SortKey(sort, descending);
    }

    /** The sort expression; a fresh fragment each time, since it may carry an argument. */
    SqlFragment expression() {
        String aggregate = descending ? "MAX" : "MIN";
        return switch (sort.key()) {
            case ID -> new SqlFragment().append("''");
            case LAST_UPDATED -> new SqlFragment().append("c.last_updated");
            case STRING -> indexValue(aggregate + "(x.value_normalized)", "idx_string", "''");
            case TOKEN -> indexValue(aggregate + "(x.code)", "idx_token", "''");
            case DATE -> indexValue(descending ? "MAX(x.high_value)" : "MIN(x.low_value)", "idx_date", LOWEST_DATE);
        };
    }

    /**
     * The ORDER BY list: the sort expression, then the id. An {@code _id} sort orders by the id alone (PostgreSQL
     * refuses a constant in ORDER BY).
     */
    SqlFragment orderBy() {
        String direction = descending ? " DESC" : " ASC";
        SqlFragment order = new SqlFragment();
        if (sort.key() != SortOrder.Key.ID) {
            order.append(expression()).append(direction + ", ");
        }
        return order.append("c.res_id" + direction);
    }

    /** Appends the condition that the row sorts after (in the reading direction) {@code cursor}. */
    void keyset(SqlFragment sql, Cursor cursor, boolean reverse) {
        String op = reverse ? "<" : ">";
        if (sort.key() == SortOrder.Key.ID) {
            sql.append(" AND c.res_id " + op + " ?", cursor.id());
            return;
        }
        Object value = switch (sort.key()) {
            case LAST_UPDATED, DATE -> Long.parseLong(cursor.sortValue().isEmpty() ? LOWEST_DATE : cursor.sortValue());
            default -> cursor.sortValue();
        };
        sql.append(" AND (").append(expression()).append(" " + op + " ?", value)
                .append(" OR (").append(expression()).append(" = ?", value)
                .append(" AND c.res_id " + op + " ?))", cursor.id());
    }

    private SqlFragment indexValue(String aggregate, String table, String missing) {
        return new SqlFragment().append("COALESCE((SELECT " + aggregate + " FROM " + table + " x WHERE x.res_type ="
                + " c.res_type AND x.res_id = c.res_id AND x.param = ?), " + missing + ")", sort.param());
    }
}
