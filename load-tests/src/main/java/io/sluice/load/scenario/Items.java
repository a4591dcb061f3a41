package io.sluice.load.scenario;

import io.sluice.Lane;
import io.sluice.load.client.Work;
import io.sluice.load.client.Work.Shape;
import io.sluice.load.client.Work.Stmt;
import io.sluice.load.client.WorkSource;

/**
 * The seeded data and the statements over it. {@code items(id bigint primary key, v text, score int)} holds
 * {@code --rows} rows; {@code events} collects the writes of the users scenario. Statements name tables
 * without a schema: every client sets {@code search_path} to the run's schema.
 */
public final class Items {

    public static final String POINT_READ_OP = "point-read";
    public static final String POINT_READ = "SELECT v FROM items WHERE id = $1";
    public static final String SCAN_OP = "report-scan";

    private Items() {
    }

    public static long id(java.util.SplittableRandom r, long rows) {
        return r.nextLong(1, rows + 1);
    }

    public static WorkSource pointRead(Lane lane, long rows) {
        return r -> Work.single(POINT_READ_OP, lane, new Stmt(POINT_READ, Shape.ONE, 1, id(r, rows)));
    }

    /**
     * A long background query. {@code scan}: a full scan of the items table with a pattern match, CPU-bound
     * on the server (hundreds of ms for 1M rows); {@code io}: 50 ms of waiting plus an index range scan of
     * 5,000 rows, a query whose throughput follows the connections it gets; {@code sleep}: {@code pg_sleep(0.2)},
     * holding a connection without using the server's CPU.
     */
    public static WorkSource longQuery(Lane lane, String kind, long rows) {
        if (kind.equals("sleep")) {
            return r -> Work.single(SCAN_OP, lane, new Stmt("SELECT pg_sleep(0.2)::text", Shape.ONE, 1));
        }
        if (kind.equals("io")) {
            // a report query that mostly waits (50 ms, as on disk reads or locks) and does some work (an
            // index range scan of 5,000 rows): throughput follows the connections it gets, as in issue 4's
            // figures (one pool of 16 -> 8 + 8 halves it)
            return r -> {
                long from = r.nextLong(1, Math.max(2, rows - 5_000));
                return Work.single(SCAN_OP, lane, new Stmt("SELECT pg_sleep(0.05)::text, (SELECT count(*) FROM items "
                        + "WHERE id BETWEEN $1 AND $2 AND score >= 0)", Shape.ONE, 2, from, from + 4_999));
            };
        }
        return r -> Work.single(SCAN_OP, lane, new Stmt("SELECT count(*), max(score) FROM items WHERE v LIKE $1",
                Shape.ONE, 2, "%" + Integer.toHexString(256 + r.nextInt(256)).substring(1) + "%"));
    }

    /** The pgbench equivalent of {@link #pointRead}. */
    public static String pgbenchPointRead(String schema, long rows) {
        return "\\set id random(1, " + rows + ")\nSELECT v FROM " + schema + ".items WHERE id = :id;\n";
    }
}
