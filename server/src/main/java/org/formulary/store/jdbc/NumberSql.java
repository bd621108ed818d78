package org.formulary.store.jdbc;

import java.math.BigDecimal;
import org.formulary.search.SearchValue;

/**
 * The FHIR number and quantity comparisons: {@code eq} uses the implicit range of the value's precision
 * ({@code 100} matches [99.5, 100.5)), {@code ap} a range of ±10 %. Stateless.
 */
final class NumberSql {

    private static final BigDecimal TEN_PERCENT = new BigDecimal("0.1");

    private NumberSql() {}

    static void condition(SqlFragment sql, SearchValue.Num n) {
        sql.append("(");
        switch (n.prefix()) {
            case EQ -> sql.append("x.value_num >= ? AND x.value_num < ?", n.low(), n.high());
            case NE -> sql.append("NOT (x.value_num >= ? AND x.value_num < ?)", n.low(), n.high());
            case GT, SA -> sql.append("x.value_num > ?", n.value());
            case LT, EB -> sql.append("x.value_num < ?", n.value());
            case GE -> sql.append("x.value_num >= ?", n.value());
            case LE -> sql.append("x.value_num <= ?", n.value());
            case AP -> {
                BigDecimal margin = n.value().abs().multiply(TEN_PERCENT);
                sql.append("x.value_num >= ? AND x.value_num <= ?", n.value().subtract(margin), n.value().add(margin));
            }
        }
        if (n.code() != null) {
            sql.append(" AND x.code = ?", n.code());
        }
        if (n.system() != null) {
            sql.append(" AND x.system = ?", n.system());
        }
        sql.append(")");
    }
}
