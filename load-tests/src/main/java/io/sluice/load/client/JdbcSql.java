package io.sluice.load.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A statement with PostgreSQL's {@code $n} placeholders turned into JDBC's {@code ?}, with the parameter
 * index of each {@code ?} (a {@code $n} may appear more than once, in any order). Cached per SQL string.
 */
record JdbcSql(String sql, int[] order) {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$(\\d+)");
    private static final Map<String, JdbcSql> CACHE = new ConcurrentHashMap<>();

    static JdbcSql of(String sql) {
        return CACHE.computeIfAbsent(sql, JdbcSql::parse);
    }

    static JdbcSql parse(String sql) {
        Matcher m = PLACEHOLDER.matcher(sql);
        StringBuilder out = new StringBuilder();
        List<Integer> order = new ArrayList<>();
        while (m.find()) {
            order.add(Integer.parseInt(m.group(1)) - 1);
            m.appendReplacement(out, "?");
        }
        m.appendTail(out);
        return new JdbcSql(out.toString(), order.stream().mapToInt(Integer::intValue).toArray());
    }
}
