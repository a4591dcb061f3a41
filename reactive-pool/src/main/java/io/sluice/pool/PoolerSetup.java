package io.sluice.pool;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Locale;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * The SQL that gives one transaction a lane's settings under a pooler in transaction mode, run right after
 * its {@code BEGIN}: {@code set_config(name, value, true)} for each, so each ends with the transaction and
 * values are read as in a startup parameter ({@code search_path = 'a, b'} is two schemas). The
 * transaction's own options ({@code SET LOCAL statement_timeout} of a {@code TxOptions} or a deadline)
 * come after it and win.
 */
final class PoolerSetup {

    private PoolerSetup() {
    }

    /**
     * The SQL, or null when the lane sets nothing but its {@code application_name}: PgBouncer tracks that one
     * from the startup packet, so the lane's units need no transaction of their own (one round trip for a
     * single statement, not three). A read-only lane or one with an isolation level always gets it: those go
     * with the {@code BEGIN} of each unit.
     */
    static @Nullable String sql(LaneConfig config) {
        Map<String, String> values = new LinkedHashMap<>();
        putMillis(values, "statement_timeout", config.statementTimeout());
        putMillis(values, "lock_timeout", config.lockTimeout());
        putMillis(values, "idle_in_transaction_session_timeout", config.idleInTransactionTimeout());
        config.sessionSettings().forEach((k, v) -> values.put(k.toLowerCase(Locale.ROOT), v));
        if (values.isEmpty() && !config.readOnly() && config.isolation() == null) {
            return null;   // a read-only or isolation default needs each unit's BEGIN, which carries it
        }
        values.put("application_name", config.applicationName());   // a borrowed connection shows the borrower
        return values.entrySet().stream()
                .map(e -> "set_config(" + literal(e.getKey()) + ", " + literal(e.getValue()) + ", true)")
                .collect(Collectors.joining(", ", "SELECT ", ""));
    }

    private static void putMillis(Map<String, String> values, String name, @Nullable Duration d) {
        if (d != null) {
            values.put(name, String.valueOf(Math.max(1, d.toMillis())));
        }
    }

    private static String literal(String s) {
        return "'" + s.replace("'", "''") + "'";
    }
}
