package io.sluice.load.scenario;

import static io.sluice.load.scenario.Results.fmt;

import io.sluice.Lane;
import io.sluice.load.Settings;
import io.sluice.load.report.Model.ClientResult;
import io.sluice.load.report.Model.SeriesResult;
import io.sluice.load.report.Model.Target;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Point reads by primary key, closed loop, the same pool size and concurrency for Sluice and every
 * baseline. Target: Sluice at 95% or more of plain r2dbc-pool's throughput, with p99 no worse than 1.1x; and
 * Sluice with a meter registry within 3% of Sluice without one ({@code sluice-no-meters}), same run.
 */
public final class Throughput implements Scenario {

    static final String SEGMENT = "load";

    @Override
    public String name() {
        return "throughput";
    }

    @Override
    public String description() {
        return "point reads by primary key, closed loop at a fixed concurrency; Sluice against plain r2dbc-pool, "
                + "HikariCP (platform and virtual threads), Vert.x (without and with pipelining) and pgbench";
    }

    @Override
    public List<String> defaultClients() {
        return List.of("sluice", "sluice-no-meters", "sluice-multiplexed", "r2dbc-pool", "r2dbc-pool-4", "hikari", "hikari-vt",
                "vertx", "vertx-pipelined", "pgbench");
    }

    @Override
    public Map<Lane, Integer> poolSizes(Settings s) {
        return Map.of(Lane.INTERACTIVE, s.poolSize("interactive", 16));
    }

    @Override
    public List<Phase> phases(Settings s) {
        return List.of(new Phase(SEGMENT, s.warmup(), s.duration(), List.of(Load.closed(Items.POINT_READ_OP,
                Lane.INTERACTIVE, s.concurrency("interactive", 64), Items.pointRead(Lane.INTERACTIVE, s.rows())))));
    }

    @Override
    public String pgbenchScript(Settings s) {
        return Items.pgbenchPointRead(s.schema(), s.rows());
    }

    @Override
    public List<Target> targets(Settings s, List<ClientResult> results) {
        List<Target> out = new ArrayList<>();
        String tpDesc = "Sluice's throughput at least 95% of plain r2dbc-pool's";
        String p99Desc = "Sluice's p99 no worse than 1.1x plain r2dbc-pool's";
        Optional<SeriesResult> sluice = Results.series(results, "sluice", SEGMENT, Items.POINT_READ_OP);
        Optional<SeriesResult> base = Results.series(results, "r2dbc-pool", SEGMENT, Items.POINT_READ_OP);
        if (sluice.isEmpty() || base.isEmpty() || base.get().throughput() == 0) {
            out.add(Results.missing("throughput-vs-r2dbc-pool", tpDesc, ">= 0.95", "sluice or r2dbc-pool"));
            out.add(Results.missing("p99-vs-r2dbc-pool", p99Desc, "<= 1.10", "sluice or r2dbc-pool"));
            metersCost(sluice, results, out);
            multiplexed(results, out);
            return out;
        }
        double tp = sluice.get().throughput() / base.get().throughput();
        out.add(new Target("throughput-vs-r2dbc-pool", tpDesc, tp >= 0.95, fmt(tp) + "x (" + Math.round(sluice.get().throughput())
                + " vs " + Math.round(base.get().throughput()) + " ops/s)", ">= 0.95x",
                tp >= 0.95 ? "" : "missed by " + fmt((0.95 - tp) * 100) + " percentage points"));
        double p99 = Results.p99(sluice.get()) / Math.max(0.001, Results.p99(base.get()));
        out.add(new Target("p99-vs-r2dbc-pool", p99Desc, p99 <= 1.1, fmt(p99) + "x (" + Results.p99(sluice.get()) + " vs "
                + Results.p99(base.get()) + " ms)", "<= 1.10x", p99 <= 1.1 ? "" : "missed by " + fmt(p99 - 1.1) + "x"));
        metersCost(sluice, results, out);
        multiplexed(results, out);
        return out;
    }

    /**
     * The multiplexed lane (4 shared connections) against Vert.x pipelining on the full pool, and against plain
     * r2dbc-pool given the same 4 connections and the same callers.
     */
    private static void multiplexed(List<ClientResult> results, List<Target> out) {
        Optional<SeriesResult> mux = Results.series(results, "sluice-multiplexed", SEGMENT, Items.POINT_READ_OP);
        ratio(out, mux, Results.series(results, "vertx-pipelined", SEGMENT, Items.POINT_READ_OP), "multiplexed-vs-vertx-pipelined",
                "the multiplexed lane on 4 connections at least as fast as Vert.x pipelined on the full pool", 1.0);
        ratio(out, mux, Results.series(results, "r2dbc-pool-4", SEGMENT, Items.POINT_READ_OP), "multiplexed-vs-r2dbc-pool-4",
                "the multiplexed lane at least 1.5x plain r2dbc-pool on the same 4 connections", 1.5);
    }

    private static void ratio(List<Target> out, Optional<SeriesResult> a, Optional<SeriesResult> b, String id, String desc, double min) {
        if (a.isEmpty() || b.isEmpty() || b.get().throughput() == 0) {
            out.add(Results.missing(id, desc, ">= " + fmt(min), "sluice-multiplexed or its baseline"));
            return;
        }
        double r = a.get().throughput() / b.get().throughput();
        out.add(new Target(id, desc, r >= min, fmt(r) + "x (" + Math.round(a.get().throughput()) + " vs "
                + Math.round(b.get().throughput()) + " ops/s)", ">= " + fmt(min) + "x", r >= min ? "" : "missed by " + fmt(min - r) + "x"));
    }

    /** What the meters cost: {@code sluice} (with a registry) against {@code sluice-no-meters}, when both ran. */
    private static void metersCost(Optional<SeriesResult> sluice, List<ClientResult> results, List<Target> out) {
        Optional<SeriesResult> unmetered = Results.series(results, "sluice-no-meters", SEGMENT, Items.POINT_READ_OP);
        if (sluice.isPresent() && unmetered.isPresent() && unmetered.get().throughput() > 0) {
            double cost = sluice.get().throughput() / unmetered.get().throughput();
            out.add(new Target("meters-cost", "Sluice with a meter registry at least 97% of Sluice without one", cost >= 0.97,
                    fmt(cost) + "x (" + Math.round(sluice.get().throughput()) + " vs " + Math.round(unmetered.get().throughput())
                            + " ops/s)", ">= 0.97x", cost >= 0.97 ? "" : "missed by " + fmt((0.97 - cost) * 100) + " percentage points"));
        }
    }
}
