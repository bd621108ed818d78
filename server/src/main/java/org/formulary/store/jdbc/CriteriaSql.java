package org.formulary.store.jdbc;

import ca.uhn.fhir.rest.api.RestSearchParameterTypeEnum;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import org.formulary.search.Criterion;
import org.formulary.search.SearchValue;
import org.formulary.search.Text;

/**
 * Translates search criteria into SQL on the index tables only (stored JSON is never read). All values are bound as
 * arguments. Stateless, thread-safe.
 *
 * <p>The current rows a search reads are found through an index, not by reading every resource of the type: the
 * first criterion that an index answers on its own (a positive one: no {@code :not}, {@code :missing} or chain)
 * becomes a derived table of the matching ids that drives the query, joined to {@code resource_current} by its
 * key; the other criteria are conditions on each of those rows, probed through the per-resource indexes. The
 * index rows are those of current, non-deleted versions only, so the ids of the driving criterion are exactly the
 * resources that meet it.
 */
final class CriteriaSql {

    private CriteriaSql() {}

    /**
     * {@code " FROM ... WHERE ..."}: the current, non-deleted resources of {@code type} that meet all criteria, as
     * alias {@code c} of {@code resource_current}; conditions may be appended with {@code " AND ..."}.
     */
    static SqlFragment currentMatches(String type, List<Criterion> criteria) {
        int driver = driver(criteria);
        SqlFragment sql = new SqlFragment();
        if (driver < 0) {
            sql.append(" FROM resource_current c WHERE c.res_type = ? AND c.deleted = FALSE", type);
        } else {
            // LEFT JOIN: H2 keeps the order of an outer join, where it would often scan c and probe m for each row
            // instead; the WHERE makes it an inner join (PostgreSQL plans it as one).
            sql.append(" FROM (").append(matchingIds(type, criteria.get(driver)))
                    .append(") m LEFT JOIN resource_current c ON c.res_type = ? AND c.res_id = m.res_id"
                            + " WHERE c.deleted = FALSE", type);
        }
        for (int i = 0; i < criteria.size(); i++) {
            if (i != driver) {
                sql.append(" AND ").append(condition(criteria.get(i), "c", 0));
            }
        }
        return sql;
    }

    /** The position of the first criterion that can drive the query, or -1. */
    private static int driver(List<Criterion> criteria) {
        for (int i = 0; i < criteria.size(); i++) {
            Criterion criterion = criteria.get(i);
            boolean positive = criterion.chain() == null && !"not".equals(criterion.modifier())
                    && !(criterion.values().get(0) instanceof SearchValue.Missing);
            if (positive && !criterion.param().equals("_lastUpdated")) {
                return i;
            }
        }
        return -1;
    }

    /** A query of the distinct ids ({@code res_id}) of the current resources of {@code type} that meet a driver. */
    private static SqlFragment matchingIds(String type, Criterion criterion) {
        if (criterion.param().equals("_id")) {
            SqlFragment sql = new SqlFragment().append("SELECT i.res_id FROM (VALUES ");
            boolean first = true;
            for (SearchValue value : new LinkedHashSet<>(criterion.values())) {
                sql.append(first ? "(?)" : ", (?)", ((SearchValue.Token) value).code());
                first = false;
            }
            return sql.append(") i(res_id)");
        }
        return new SqlFragment().append("SELECT DISTINCT x.res_id FROM " + table(criterion.type())
                + " x WHERE x.res_type = ? AND x.param = ? AND ", type, criterion.param())
                .append(or(criterion, "x.low_value", "x.high_value"));
    }

    /** The condition {@code criterion} puts on the resource of alias {@code owner}; {@code depth} names aliases. */
    private static SqlFragment condition(Criterion criterion, String owner, int depth) {
        if (criterion.param().equals("_id")) {
            return idCondition(criterion, owner);
        }
        if (criterion.param().equals("_lastUpdated")) {
            return or(criterion, owner + ".last_updated", owner + ".last_updated + 1");
        }
        // Index rows are alias x at every depth: a chain's inner x shadows the outer one only inside its sub-query.
        String x = "x";
        if (criterion.chain() != null) {
            String target = "c" + (depth + 1);
            return new SqlFragment().append(exists(criterion, owner, x))
                    .append(" AND " + x + ".target_type = ? AND " + x + ".target_id IN (SELECT " + target
                            + ".res_id FROM resource_current " + target + " WHERE " + target + ".res_type = ? AND "
                            + target + ".deleted = FALSE AND ", criterion.modifier(), criterion.modifier())
                    .append(condition(criterion.chain(), target, depth + 1))
                    .append("))");
        }
        if (criterion.values().get(0) instanceof SearchValue.Missing missing) {
            return new SqlFragment().append(missing.missing() ? "NOT " : "").append(exists(criterion, owner, x))
                    .append(")");
        }
        boolean negate = "not".equals(criterion.modifier());
        SqlFragment sql = new SqlFragment().append(negate ? "NOT " : "").append(exists(criterion, owner, x))
                .append(" AND ");
        return sql.append(or(criterion, "x.low_value", "x.high_value")).append(")");
    }

    private static SqlFragment exists(Criterion criterion, String owner, String x) {
        return new SqlFragment().append("EXISTS (SELECT 1 FROM " + table(criterion.type()) + " " + x + " WHERE "
                + x + ".res_type = " + owner + ".res_type AND " + x + ".res_id = " + owner + ".res_id AND " + x
                + ".param = ?", criterion.param());
    }

    private static String table(RestSearchParameterTypeEnum type) {
        return switch (type) {
            case TOKEN -> "idx_token";
            case STRING -> "idx_string";
            case REFERENCE -> "idx_reference";
            case DATE -> "idx_date";
            case NUMBER, QUANTITY -> "idx_number";
            case URI -> "idx_uri";
            default -> throw new IllegalArgumentException("not searchable: " + type);
        };
    }

    private static SqlFragment idCondition(Criterion criterion, String owner) {
        SearchValue first = criterion.values().get(0);
        if (first instanceof SearchValue.Missing missing) {
            return new SqlFragment().append(missing.missing() ? "1 = 0" : "1 = 1");
        }
        SqlFragment sql = new SqlFragment().append(owner + ".res_id" + ("not".equals(criterion.modifier())
                ? " NOT IN (" : " IN ("));
        for (int i = 0; i < criterion.values().size(); i++) {
            sql.append(i == 0 ? "?" : ", ?", ((SearchValue.Token) criterion.values().get(i)).code());
        }
        return sql.append(")");
    }

    /** The OR of the criterion's values, in parentheses; dates compare against the given low/high columns. */
    private static SqlFragment or(Criterion criterion, String low, String high) {
        SqlFragment sql = new SqlFragment().append("(");
        for (int i = 0; i < criterion.values().size(); i++) {
            sql.append(i == 0 ? "" : " OR ").append(value(criterion, criterion.values().get(i), low, high));
        }
        return sql.append(")");
    }

    private static SqlFragment value(Criterion criterion, SearchValue value, String low, String high) {
        SqlFragment sql = new SqlFragment();
        if (value instanceof SearchValue.Token t) {
            token(sql, criterion.modifier(), t);
        } else if (value instanceof SearchValue.Str s) {
            string(sql, criterion.modifier(), s.value());
        } else if (value instanceof SearchValue.Date d) {
            DateSql.condition(sql, d, low, high);
        } else if (value instanceof SearchValue.Num n) {
            NumberSql.condition(sql, n);
        } else if (value instanceof SearchValue.Ref r) {
            reference(sql, r);
        } else if (value instanceof SearchValue.Uri u) {
            uri(sql, criterion.modifier(), u.value());
        } else {
            sql.append("1 = 1");
        }
        return sql;
    }

    private static void token(SqlFragment sql, String modifier, SearchValue.Token t) {
        if ("text".equals(modifier)) {
            // string semantics: the text, or one of its words, starts with the value
            String start = like(Text.normalize(t.code()));
            sql.append("(x.display LIKE ? ESCAPE '\\' OR x.display LIKE ? ESCAPE '\\')", start + "%", "% " + start + "%");
        } else if (!t.systemGiven()) {
            sql.append("x.code = ?", t.code());
        } else if (t.system() == null) {
            sql.append("(x.system IS NULL AND x.code = ?)", t.code());
        } else if (t.code() == null) {
            sql.append("x.system = ?", t.system());
        } else {
            sql.append("(x.system = ? AND x.code = ?)", t.system(), t.code());
        }
    }

    private static void string(SqlFragment sql, String modifier, String value) {
        if ("exact".equals(modifier)) {
            sql.append("x.value_exact = ?", value);
        } else if ("contains".equals(modifier)) {
            sql.append("x.value_normalized LIKE ? ESCAPE '\\'", "%" + like(Text.normalize(value)) + "%");
        } else {
            String start = Text.normalize(value);
            String pattern = like(start) + "%";
            Optional<String> prefix = Text.prefix(start).filter(p -> start.length() >= Text.PREFIX_LENGTH);
            if (prefix.isPresent()) {
                // the indexed first characters find the candidates, LIKE decides
                sql.append("(x.value_prefix = ? AND x.value_normalized LIKE ? ESCAPE '\\')", prefix.get(), pattern);
            } else {
                sql.append("x.value_normalized LIKE ? ESCAPE '\\'", pattern);
            }
        }
    }

    private static void reference(SqlFragment sql, SearchValue.Ref r) {
        if (r.url() != null) {
            sql.append("(x.target_url = ?", r.url());
            if (r.type() != null && r.id() != null) {
                sql.append(" OR (x.target_type = ? AND x.target_id = ?)", r.type(), r.id());
            }
            sql.append(")");
        } else if (r.type() != null) {
            sql.append("(x.target_type = ? AND x.target_id = ?)", r.type(), r.id());
        } else {
            sql.append("x.target_id = ?", r.id());
        }
    }

    private static void uri(SqlFragment sql, String modifier, String value) {
        if ("below".equals(modifier)) {
            sql.append("x.uri LIKE ? ESCAPE '\\'", like(value) + "%");
        } else {
            sql.append("x.uri = ?", value);
        }
    }

    /** {@code value} with LIKE's wildcards escaped. */
    private static String like(String value) {
        return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }
}
