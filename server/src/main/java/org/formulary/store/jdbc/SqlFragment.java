package org.formulary.store.jdbc;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** A piece of SQL with its positional arguments, built up by appending. Not thread-safe. */
final class SqlFragment {

    private final StringBuilder sql = new StringBuilder();
    private final List<Object> args = new ArrayList<>();

    SqlFragment append(String text, Object... arguments) {
        sql.append(text);
        args.addAll(List.of(arguments));
        return this;
    }

    SqlFragment append(SqlFragment other) {
        sql.append(other.sql);
        args.addAll(other.args);
        return this;
    }

    String sql() {
        return sql.toString();
    }

    void bind(PreparedStatement ps) throws SQLException {
        for (int i = 0; i < args.size(); i++) {
            ps.setObject(i + 1, args.get(i));
        }
    }
}
