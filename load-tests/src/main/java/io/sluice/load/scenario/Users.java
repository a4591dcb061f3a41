package io.sluice.load.scenario;

import static io.sluice.load.scenario.Results.fmt;

import io.sluice.Lane;
import io.sluice.load.Settings;
import io.sluice.load.client.Work;
import io.sluice.load.client.Work.Shape;
import io.sluice.load.client.Work.Stmt;
import io.sluice.load.client.WorkSource;
import io.sluice.load.report.Model.ClientResult;
import io.sluice.load.report.Model.Target;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Simulated users: each a session of think time (exponential, mean {@code --think}) and a mix of reads
 * and writes: 50% view an item, 25% list 20 items, 15% rate an item (a transaction updating the item and
 * inserting an event), 10% read their own history. Reports latency per operation and the error rate.
 */
public final class Users implements Scenario {

    static final String SEGMENT = "load";
    static final List<String> OPS = List.of("view-item", "list-items", "rate-item", "history");

    @Override
    public String name() {
        return "users";
    }

    @Override
    public String description() {
        return "simulated users (default 500) with think time and a mix of reads and writes; latency per operation "
                + "and error rate for Sluice and the baselines";
    }

    @Override
    public List<String> defaultClients() {
        return List.of("sluice", "sluice-multiplexed", "r2dbc-pool", "hikari", "hikari-vt", "vertx");
    }

    @Override
    public Map<Lane, Integer> poolSizes(Settings s) {
        return Map.of(Lane.INTERACTIVE, s.poolSize("interactive", 16));
    }

    @Override
    public List<Phase> phases(Settings s) {
        return List.of(new Phase(SEGMENT, s.warmup(), s.duration(),
                List.of(Load.users("users", Lane.INTERACTIVE, s.users(), s.thinkMs(), OPS, mix(s.rows(), s.users())))));
    }

    static WorkSource mix(long rows, int users) {
        Lane lane = Lane.INTERACTIVE;
        return r -> {
            int dice = r.nextInt(100);
            long item = Items.id(r, rows);
            if (dice < 50) {
                return Work.single("view-item", lane, new Stmt("SELECT id, v, score FROM items WHERE id = $1", Shape.ONE, 3, item));
            }
            if (dice < 75) {
                return Work.single("list-items", lane, new Stmt(
                        "SELECT id, v, score FROM items WHERE id >= $1 ORDER BY id LIMIT 20", Shape.MANY, 3, Math.min(item, rows - 19)));
            }
            int user = 1 + r.nextInt(users);
            if (dice < 90) {
                return Work.transaction("rate-item", lane,
                        new Stmt("UPDATE items SET score = score + 1 WHERE id = $1", Shape.UPDATE, 0, item),
                        new Stmt("INSERT INTO events (user_id, item_id, kind) VALUES ($1, $2, 'rate')", Shape.UPDATE, 0, user, item));
            }
            return Work.single("history", lane, new Stmt(
                    "SELECT item_id, kind, at FROM events WHERE user_id = $1 ORDER BY at DESC LIMIT 10", Shape.MANY, 3, user));
        };
    }

    @Override
    public void prepare(Connection admin, Settings s) throws SQLException {
        try (Statement st = admin.createStatement()) {
            st.execute("TRUNCATE " + s.schema() + ".events");
        }
    }

    @Override
    public List<Target> targets(Settings s, List<ClientResult> results) {
        List<Target> out = new ArrayList<>();
        out.add(new Target("users-at-least-500", "500 or more concurrent simulated users", s.users() >= 500,
                s.users() + " users", ">= 500", s.users() >= 500 ? "" : "this run asked for fewer users (--users)"));
        long[] sluice = outcomes(results, "sluice");
        long ok = sluice[0];
        long failed = sluice[1];
        double rate = ok + failed == 0 ? 0 : (double) failed / (ok + failed);
        out.add(new Target("sluice-error-rate", "Sluice's error rate over all operations (reported; the issue sets no threshold)",
                ok + failed == 0 ? null : rate == 0, fmt(rate * 100) + "% (" + failed + " of " + (ok + failed) + ")", "reported",
                ""));
        long[] mux = outcomes(results, "sluice-multiplexed");
        int conns = io.sluice.load.client.Clients.MUX_CONNECTIONS;
        String muxDesc = "the multiplexed lane serves the users on " + conns + " server connections in all ("
                + io.sluice.load.client.Clients.MUX_SHARED + " shared, 1 for transactions and larger streams) with 0 errors";
        int seen = results.stream().filter(r -> r.client().equals("sluice-multiplexed") && r.server() != null)
                .flatMap(r -> r.server().maxTotal().values().stream()).mapToInt(Integer::intValue).sum();
        boolean muxOk = mux[1] == 0 && seen <= conns;
        out.add(mux[0] + mux[1] == 0 ? Results.missing("multiplexed-errors", muxDesc, "0 errors", "sluice-multiplexed")
                : new Target("multiplexed-errors", muxDesc, muxOk, mux[1] + " errors of " + (mux[0] + mux[1])
                        + "; the server saw at most " + seen + " connections", "0 errors, <= " + conns + " connections",
                        muxOk ? "" : mux[1] > 0 ? mux[1] + " operations failed" : "the server saw " + seen + " connections"));
        return out;
    }

    /** A client's successes and failures over all operations. */
    private static long[] outcomes(List<ClientResult> results, String client) {
        long[] n = new long[2];
        for (String op : OPS) {
            var sr = Results.series(results, client, SEGMENT, op);
            if (sr.isPresent()) {
                n[0] += sr.get().outcomes().success();
                n[1] += sr.get().outcomes().failures();
            }
        }
        return n;
    }
}
