package io.sluice.load.run;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Seeds the run's schema once and reuses it: {@code items} with {@code rows} rows and an empty
 * {@code events} table. A row in {@code seed_info} records what was seeded; a later run with the same
 * row count skips the work. An advisory lock keeps two harnesses from seeding at once.
 */
public final class Seeder {

    private Seeder() {
    }

    /** Makes sure the data is there; returns true when it had to seed. */
    public static boolean ensure(Connection c, String schema, long rows, PrintStream out) throws SQLException {
        String q = quote(schema);
        try (Statement st = c.createStatement()) {
            st.execute("SELECT pg_advisory_lock(hashtext('sluice-load-seed:' || " + literal(schema) + "))");
            try {
                st.execute("CREATE SCHEMA IF NOT EXISTS " + q);
                st.execute("CREATE TABLE IF NOT EXISTS " + q + ".seed_info (name text PRIMARY KEY, rows bigint NOT NULL, "
                        + "seeded_at timestamptz NOT NULL DEFAULT now())");
                st.execute("CREATE TABLE IF NOT EXISTS " + q + ".events (id bigserial PRIMARY KEY, user_id int NOT NULL, "
                        + "item_id bigint NOT NULL, kind text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())");
                st.execute("CREATE INDEX IF NOT EXISTS events_user_at ON " + q + ".events (user_id, at DESC)");
                if (seeded(st, q, rows)) {
                    return false;
                }
                out.println("seeding " + schema + ".items with " + rows + " rows (once; later runs reuse it) ...");
                long t = System.nanoTime();
                st.execute("DROP TABLE IF EXISTS " + q + ".items");
                st.execute("CREATE TABLE " + q + ".items (id bigint NOT NULL, v text NOT NULL, score int NOT NULL DEFAULT 0)");
                st.execute("INSERT INTO " + q + ".items (id, v) SELECT g, md5(g::text) FROM generate_series(1, " + rows + ") g");
                st.execute("ALTER TABLE " + q + ".items ADD PRIMARY KEY (id)");
                st.execute("VACUUM ANALYZE " + q + ".items");
                st.execute("INSERT INTO " + q + ".seed_info (name, rows) VALUES ('items', " + rows
                        + ") ON CONFLICT (name) DO UPDATE SET rows = EXCLUDED.rows, seeded_at = now()");
                out.printf("seeded in %.1f s%n", (System.nanoTime() - t) / 1e9);
                return true;
            } finally {
                st.execute("SELECT pg_advisory_unlock(hashtext('sluice-load-seed:' || " + literal(schema) + "))");
            }
        }
    }

    private static boolean seeded(Statement st, String q, long rows) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT rows FROM " + q + ".seed_info WHERE name = 'items'")) {
            if (!rs.next() || rs.getLong(1) != rows) {
                return false;
            }
        }
        try (ResultSet rs = st.executeQuery("SELECT to_regclass(" + literal(q + ".items") + ") IS NOT NULL")) {
            return rs.next() && rs.getBoolean(1);
        }
    }

    static String quote(String identifier) {
        if (!identifier.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("schema name '" + identifier
                    + "' must be lower-case letters, digits and _ (at most 63), starting with a letter or _");
        }
        return identifier;
    }

    private static String literal(String s) {
        return "'" + s.replace("'", "''") + "'";
    }
}
