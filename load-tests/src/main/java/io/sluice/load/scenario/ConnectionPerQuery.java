package io.sluice.load.scenario;

import static io.sluice.load.scenario.Results.fmt;

import io.sluice.Lane;
import io.sluice.load.Settings;
import io.sluice.load.report.Model.ClientResult;
import io.sluice.load.report.Model.Target;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The cost of opening a connection for every query against a pooled one: the same point reads, closed
 * loop at the same concurrency, through Sluice's pool and through clients that connect per query
 * (r2dbc-postgresql, pgjdbc, and pgbench with and without {@code -C}). Reported as ratios.
 */
public final class ConnectionPerQuery implements Scenario {

    static final String SEGMENT = "load";

    @Override
    public String name() {
        return "connection-per-query";
    }

    @Override
    public String description() {
        return "point reads through a pool against a new connection per query (r2dbc, JDBC, pgbench -C), "
                + "closed loop at the same concurrency";
    }

    @Override
    public List<String> defaultClients() {
        return List.of("sluice", "r2dbc-per-query", "jdbc-per-query", "pgbench", "pgbench-connect");
    }

    @Override
    public Map<Lane, Integer> poolSizes(Settings s) {
        return Map.of(Lane.INTERACTIVE, s.poolSize("interactive", 8));
    }

    @Override
    public List<Phase> phases(Settings s) {
        int concurrency = s.concurrency("interactive", poolSizes(s).get(Lane.INTERACTIVE));
        return List.of(new Phase(SEGMENT, s.warmup(), s.duration(), List.of(Load.closed(Items.POINT_READ_OP,
                Lane.INTERACTIVE, concurrency, Items.pointRead(Lane.INTERACTIVE, s.rows())))));
    }

    @Override
    public String pgbenchScript(Settings s) {
        return Items.pgbenchPointRead(s.schema(), s.rows());
    }

    @Override
    public int pgbenchClients(Settings s) {
        return s.concurrency("interactive", poolSizes(s).get(Lane.INTERACTIVE));
    }

    @Override
    public List<Target> targets(Settings s, List<ClientResult> results) {
        List<Target> out = new ArrayList<>();
        var pooled = Results.series(results, "sluice", SEGMENT, Items.POINT_READ_OP);
        for (String other : List.of("r2dbc-per-query", "jdbc-per-query")) {
            var per = Results.series(results, other, SEGMENT, Items.POINT_READ_OP);
            String d = "pooled (Sluice) against " + other + ": throughput ratio and median latency ratio (reported)";
            if (pooled.isEmpty() || per.isEmpty() || per.get().throughput() == 0) {
                out.add(Results.missing("pooled-vs-" + other, d, "reported", "sluice or " + other));
                continue;
            }
            double tp = pooled.get().throughput() / per.get().throughput();
            double p50 = per.get().latencyMs().get("success").p50() / Math.max(0.001, pooled.get().latencyMs().get("success").p50());
            out.add(new Target("pooled-vs-" + other, d, null, fmt(tp) + "x the throughput; a query through " + other
                    + " takes " + fmt(p50) + "x as long (p50)", "reported", ""));
        }
        var pg = Results.series(results, "pgbench", SEGMENT, Items.POINT_READ_OP);
        var pgc = Results.series(results, "pgbench-connect", SEGMENT, Items.POINT_READ_OP);
        if (pg.isPresent() && pgc.isPresent() && pgc.get().throughput() > 0) {
            out.add(new Target("pgbench-vs-pgbench-connect", "pgbench against pgbench -C: the server's own cost of a connection",
                    null, fmt(pg.get().throughput() / pgc.get().throughput()) + "x the throughput", "reported", ""));
        }
        return out;
    }
}
