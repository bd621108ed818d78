package org.formulary.store.jdbc;

import org.formulary.search.SearchValue;

/**
 * The FHIR date comparisons (search.html#prefix) between a search range {@code [p.low, p.high)} and a stored
 * range {@code [low, high)}. {@code ge} and {@code le} also match a stored range that overlaps the searched one, so
 * a plan period ending on 2027-06-30 is found by {@code period=ge2027-06-30}. Stateless.
 */
final class DateSql {

    private DateSql() {}

    static void condition(SqlFragment sql, SearchValue.Date d, String low, String high) {
        switch (d.prefix()) {
            // the stored range lies within the search range
            case EQ -> sql.append("(" + low + " >= ? AND " + high + " <= ?)", d.low(), d.high());
            case NE -> sql.append("NOT (" + low + " >= ? AND " + high + " <= ?)", d.low(), d.high());
            // the range above (below) the search value intersects the stored range
            case GT -> sql.append(high + " > ?", d.high());
            case LT -> sql.append(low + " < ?", d.low());
            // ... or they overlap: a period that includes the searched day is "on or after" it (as HAPI reads it)
            case GE -> sql.append(high + " > ?", d.low());
            case LE -> sql.append(low + " < ?", d.high());
            case SA -> sql.append(low + " >= ?", d.high());
            case EB -> sql.append(high + " <= ?", d.low());
            // approximately: the ranges overlap
            case AP -> sql.append("(" + low + " < ? AND " + high + " > ?)", d.high(), d.low());
        }
    }
}
