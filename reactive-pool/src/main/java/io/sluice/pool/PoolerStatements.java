package io.sluice.pool;

import io.sluice.Lane;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Refuses, under {@link PoolerMode#TRANSACTION}, statements that need a session beyond their transaction.
 * A statement's start is the text's start or a {@code ;} (several statements in one simple query); a
 * string literal holding {@code "; listen x"} would be refused too, which is the price of not parsing SQL.
 */
final class PoolerStatements {

    private static final String START = "(?:^|;)\\s*";
    /** One pattern, one group per refused feature, in the order of {@link #FEATURES}. */
    private static final Pattern REFUSED = Pattern.compile(
            "(\\bpg_(?:try_)?advisory_(?:lock|unlock)(?:_shared|_all)?\\s*\\()"
                    + "|(" + START + "(?:LISTEN|UNLISTEN)\\b)"
                    + "|(\\bWITH\\s+HOLD\\b)"
                    + "|(" + START + "(?:PREPARE|DEALLOCATE)\\b)"
                    + "|(" + START + "(?:SET(?!\\s+(?:LOCAL|TRANSACTION|CONSTRAINTS)\\b)|RESET)\\s)"
                    + "|(" + START + "DISCARD\\b)"
                    + "|(" + START + "CREATE\\s+(?:(?:GLOBAL|LOCAL)\\s+)?TEMP(?:ORARY)?\\s+TABLE\\b(?![\\s\\S]*\\bON\\s+COMMIT\\s+DROP\\b))",
            Pattern.CASE_INSENSITIVE);

    private static final String[][] FEATURES = {
            {"a session advisory lock (pg_advisory_lock, pg_try_advisory_lock, pg_advisory_unlock)",
                    "Use pg_advisory_xact_lock or pg_try_advisory_xact_lock inside the unit of work: released at its end."},
            {"LISTEN/UNLISTEN", "Listen on a connection straight to PostgreSQL (a ServerConfig without pooler)."},
            {"a cursor WITH HOLD", "Declare the cursor without HOLD inside the unit of work, or stream rows with fetchSize."},
            {"a prepared statement by name (PREPARE/DEALLOCATE)", "Send the statement with bind parameters: Sluice uses unnamed ones."},
            {"a session-level SET/RESET", "Use SET LOCAL (or set_config(name, value, true)) inside the unit of work, or the lane's "
                    + "sessionSetting/statementTimeout, which Sluice applies at the start of each unit."},
            {"DISCARD", "Nothing to discard: no session state outlives a unit of work here."},
            {"a temporary table that outlives its transaction", "Create it with ON COMMIT DROP: otherwise it stays on a server "
                    + "connection that other clients use next."},
    };

    private PoolerStatements() {
    }

    /** Throws {@link PoolerUnsupportedException} when {@code sql} needs a session; returns it otherwise. */
    static String check(@Nullable Lane lane, String sql) {
        Matcher m = REFUSED.matcher(sql);
        if (m.find()) {
            for (int g = 1; g <= FEATURES.length; g++) {
                if (m.group(g) != null) {
                    throw new PoolerUnsupportedException(lane, FEATURES[g - 1][0], FEATURES[g - 1][1]);
                }
            }
        }
        return sql;
    }
}
