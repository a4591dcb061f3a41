package io.sluice;

import java.util.List;
import java.util.regex.Pattern;

/** Checks table and column names that Sluice writes into SQL itself (bulk inserts, COPY): never user data. */
final class Identifiers {

    /** A plain or double-quoted identifier, optionally schema-qualified. */
    private static final Pattern NAME = Pattern.compile("(?:[A-Za-z_][A-Za-z0-9_$]*|\"[^\"\\x00]+\")"
            + "(?:\\.(?:[A-Za-z_][A-Za-z0-9_$]*|\"[^\"\\x00]+\"))?");

    private Identifiers() {
    }

    static String table(String table) {
        if (table == null || !NAME.matcher(table).matches()) {
            throw new IllegalArgumentException("table name " + (table == null ? "null" : "'" + table + "'")
                    + " is not a plain identifier (letters, digits, _ and $, optionally schema.table, or \"quoted\")");
        }
        return table;
    }

    static String columns(List<String> columns) {
        if (columns == null || columns.isEmpty()) {
            throw new IllegalArgumentException("name at least one column");
        }
        for (String c : columns) {
            if (c == null || c.contains(".") || !NAME.matcher(c).matches()) {
                throw new IllegalArgumentException("column name " + (c == null ? "null" : "'" + c + "'")
                        + " is not a plain identifier (letters, digits, _ and $, or \"quoted\")");
            }
        }
        return String.join(", ", columns);
    }
}
