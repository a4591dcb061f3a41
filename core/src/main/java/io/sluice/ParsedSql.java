package io.sluice;

import io.sluice.internal.Failures;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * SQL with its placeholders found: {@code :name} parameters are rewritten to PostgreSQL's {@code $n};
 * {@code $n} ones are counted. Quoted strings and identifiers, dollar-quoted bodies, comments and
 * {@code ::} casts are skipped.
 */
final class ParsedSql {

    private static final int CACHE_LIMIT = 2048;
    private static final Map<String, ParsedSql> CACHE = new ConcurrentHashMap<>();

    final String original;
    final String sql;
    /** Parameter count: the highest {@code $n}, or the number of distinct names. */
    final int count;
    /** Name to 0-based index, in order of first appearance; empty for positional SQL. */
    final Map<String, Integer> names;

    private ParsedSql(String original, String sql, int count, Map<String, Integer> names) {
        this.original = original;
        this.sql = sql;
        this.count = count;
        this.names = names;
    }

    /** The protocol's limit: a Bind message counts its parameters in 16 bits. */
    static final int MAX_PARAMETERS = 65_535;

    static IllegalArgumentException tooMany(int count, String sql) {
        return new IllegalArgumentException("the statement has " + count + " parameters; PostgreSQL's protocol allows at most "
                + MAX_PARAMETERS + " per statement. Pass many values as one array instead, e.g. WHERE id = ANY($1) with a "
                + "Long[] bound to $1, or split the work into several statements: " + Failures.excerpt(sql));
    }

    static ParsedSql of(String sql) {
        ParsedSql p = CACHE.get(sql);
        if (p == null) {
            p = parse(sql);
            if (CACHE.size() < CACHE_LIMIT) {
                CACHE.put(sql, p);
            }
        }
        return p;
    }

    static ParsedSql parse(String in) {
        StringBuilder out = new StringBuilder(in.length());
        Map<String, Integer> names = new LinkedHashMap<>();
        int maxPositional = 0;
        java.util.BitSet positions = new java.util.BitSet();
        int n = in.length();
        int i = 0;
        while (i < n) {
            char c = in.charAt(i);
            if (c == '\'' || c == '"') {
                int end = skipQuoted(in, i, c);
                out.append(in, i, end);
                i = end;
            } else if (c == '-' && i + 1 < n && in.charAt(i + 1) == '-') {
                int end = in.indexOf('\n', i);
                end = end < 0 ? n : end;
                out.append(in, i, end);
                i = end;
            } else if (c == '/' && i + 1 < n && in.charAt(i + 1) == '*') {
                int end = skipBlockComment(in, i);
                out.append(in, i, end);
                i = end;
            } else if (c == '$') {
                int j = i + 1;
                while (j < n && Character.isDigit(in.charAt(j))) {
                    j++;
                }
                if (j > i + 1 && (j == n || !Character.isLetter(in.charAt(j)))) {
                    int number = j - i - 1 > 9 ? Integer.MAX_VALUE : Integer.parseInt(in.substring(i + 1, j));
                    if (number > MAX_PARAMETERS) {
                        throw tooMany(number, in);
                    }
                    if (number == 0) {
                        throw new IllegalArgumentException("the SQL has a placeholder $0; placeholders start at $1: " + Failures.excerpt(in));
                    }
                    positions.set(number);
                    maxPositional = Math.max(maxPositional, number);
                    out.append(in, i, j);
                    i = j;
                } else {
                    int end = skipDollarQuoted(in, i);
                    out.append(in, i, end);
                    i = end;
                }
            } else if (c == ':' && i + 1 < n && in.charAt(i + 1) == ':') {
                out.append("::");
                i += 2;
            } else if (c == ':' && i + 1 < n && isNameStart(in.charAt(i + 1)) && (i == 0 || !isNamePart(in.charAt(i - 1)))) {
                int j = i + 1;
                while (j < n && isNamePart(in.charAt(j))) {
                    j++;
                }
                String name = in.substring(i + 1, j);
                Integer idx = names.computeIfAbsent(name, k -> names.size());
                out.append('$').append(idx + 1);
                i = j;
            } else {
                out.append(c);
                i++;
            }
        }
        if (!names.isEmpty() && maxPositional > 0) {
            throw new IllegalArgumentException("the SQL mixes :name and $n placeholders; use one style: " + Failures.excerpt(in));
        }
        int missing = positions.nextClearBit(1);
        if (names.isEmpty() && missing < maxPositional) {
            throw new IllegalArgumentException("the SQL uses $" + maxPositional + " but not $" + missing
                    + "; PostgreSQL needs every placeholder from $1 to the highest: renumber them: " + Failures.excerpt(in));
        }
        if (names.size() > MAX_PARAMETERS) {
            throw tooMany(names.size(), in);
        }
        return names.isEmpty()
                ? new ParsedSql(in, in, maxPositional, Map.of())
                : new ParsedSql(in, out.toString(), names.size(), Map.copyOf(names));
    }

    List<String> nameList() {
        List<String> list = new ArrayList<>(names.keySet());
        list.sort((a, b) -> names.get(a) - names.get(b));
        return list;
    }

    /** How placeholder {@code index} (0-based) is written in the SQL the caller gave. */
    String describe(int index) {
        if (names.isEmpty()) {
            return "$" + (index + 1);
        }
        for (Map.Entry<String, Integer> e : names.entrySet()) {
            if (e.getValue() == index) {
                return ":" + e.getKey();
            }
        }
        return "$" + (index + 1);
    }

    private static boolean isNameStart(char c) {
        return Character.isLetter(c) || c == '_';
    }

    private static boolean isNamePart(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }

    private static int skipQuoted(String s, int start, char quote) {
        boolean backslashEscapes = quote == '\'' && start > 0 && (s.charAt(start - 1) == 'E' || s.charAt(start - 1) == 'e');
        int i = start + 1;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (backslashEscapes && c == '\\') {
                i += 2;
                continue;
            }
            if (c == quote) {
                if (i + 1 < s.length() && s.charAt(i + 1) == quote) {
                    i += 2;
                    continue;
                }
                return i + 1;
            }
            i++;
        }
        return s.length();
    }

    private static int skipBlockComment(String s, int start) {
        int depth = 0;
        int i = start;
        while (i < s.length() - 1) {
            if (s.charAt(i) == '/' && s.charAt(i + 1) == '*') {
                depth++;
                i += 2;
            } else if (s.charAt(i) == '*' && s.charAt(i + 1) == '/') {
                depth--;
                i += 2;
                if (depth == 0) {
                    return i;
                }
            } else {
                i++;
            }
        }
        return s.length();
    }

    private static int skipDollarQuoted(String s, int start) {
        int j = start + 1;
        while (j < s.length() && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_')) {
            j++;
        }
        if (j >= s.length() || s.charAt(j) != '$') {
            return start + 1; // a lone '$', not a quote
        }
        String tag = s.substring(start, j + 1);
        int end = s.indexOf(tag, j + 1);
        return end < 0 ? s.length() : end + tag.length();
    }
}
