package io.sluice.load.scenario;

import static io.sluice.load.scenario.Results.fmt;

import io.sluice.Lane;
import io.sluice.load.Settings;
import io.sluice.load.report.Model.ClientResult;
import io.sluice.load.report.Model.SegmentResult;
import io.sluice.load.report.Model.SeriesResult;
import io.sluice.load.report.Model.Target;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Point reads by primary key, closed loop, the same pool size and concurrency for Sluice and every
 * baseline. Targets (same run): Sluice at 1.15x or more of plain r2dbc-pool's throughput, its p99 no worse,
 * its client CPU per query at most 0.85x and fewer bytes allocated per query; 90% of its steady throughput
 * within 10 s of load starting (or pgbench's warm-up, the machine's floor, when longer); and Sluice with a
 * meter registry within 3% of Sluice without one ({@code sluice-no-meters}).
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
        String tpDesc = "Sluice's throughput at least 1.15x plain r2dbc-pool's";
        String p99Desc = "Sluice's p99 no worse than plain r2dbc-pool's";
        Optional<SeriesResult> sluice = Results.series(results, "sluice", SEGMENT, Items.POINT_READ_OP);
        Optional<SeriesResult> base = Results.series(results, "r2dbc-pool", SEGMENT, Items.POINT_READ_OP);
        if (sluice.isEmpty() || base.isEmpty() || base.get().throughput() == 0) {
            out.add(Results.missing("throughput-vs-r2dbc-pool", tpDesc, ">= 1.15", "sluice or r2dbc-pool"));
            out.add(Results.missing("p99-vs-r2dbc-pool", p99Desc, "<= 1.00", "sluice or r2dbc-pool"));
            metersCost(sluice, results, out);
            viaPgBouncer(results, out);
            multiplexed(results, out);
            return out;
        }
        double tp = sluice.get().throughput() / base.get().throughput();
        out.add(new Target("throughput-vs-r2dbc-pool", tpDesc, tp >= 1.15, fmt(tp) + "x (" + Math.round(sluice.get().throughput())
                + " vs " + Math.round(base.get().throughput()) + " ops/s)", ">= 1.15x",
                tp >= 1.15 ? "" : "missed by " + fmt((1.15 - tp) * 100) + " percentage points"));
        double p99 = Results.p99(sluice.get()) / Math.max(0.001, Results.p99(base.get()));
        out.add(new Target("p99-vs-r2dbc-pool", p99Desc, p99 <= 1.0, fmt(p99) + "x (" + Results.p99(sluice.get()) + " vs "
                + Results.p99(base.get()) + " ms)", "<= 1.00x", p99 <= 1.0 ? "" : "missed by " + fmt(p99 - 1.0) + "x"));
        perOp(results, out, "cpu-per-op-vs-r2dbc-pool", "Sluice's client CPU per query at most 0.85x plain r2dbc-pool's",
                SegmentResult::cpuMicrosPerOp, 0.85, " µs");
        perOp(results, out, "bytes-per-op-vs-r2dbc-pool", "Sluice allocates fewer bytes per query than plain r2dbc-pool",
                SegmentResult::allocBytesPerOp, 0.999, " B");
        warmUp(sluice.get(), Results.series(results, "pgbench", SEGMENT, Items.POINT_READ_OP), out);
        metersCost(sluice, results, out);
        viaPgBouncer(results, out);
        multiplexed(results, out);
        return out;
    }

    /** Sluice's figure per query against r2dbc-pool's, from the measured segment of each. */
    private static void perOp(List<ClientResult> results, List<Target> out, String name, String desc,
                              java.util.function.Function<SegmentResult, Double> figure, double max, String unit) {
        Double mine = segmentFigure(results, "sluice", figure);
        Double theirs = segmentFigure(results, "r2dbc-pool", figure);
        String threshold = "<= " + fmt(max) + "x";
        if (mine == null || theirs == null || theirs == 0) {
            out.add(Results.missing(name, desc, threshold, "sluice's or r2dbc-pool's " + name.substring(0, name.indexOf("-vs"))));
            return;
        }
        double ratio = mine / theirs;
        out.add(new Target(name, desc, ratio <= max, fmt(ratio) + "x (" + Math.round(mine) + unit + " vs " + Math.round(theirs) + unit + ")",
                threshold, ratio <= max ? "" : "missed by " + fmt(ratio - max) + "x"));
    }

    private static Double segmentFigure(List<ClientResult> results, String client,
                                        java.util.function.Function<SegmentResult, Double> figure) {
        return results.stream().filter(c -> c.client().equals(client) && c.error() == null)
                .map(c -> c.measured(SEGMENT)).filter(java.util.Objects::nonNull).map(figure)
                .filter(java.util.Objects::nonNull).findFirst().orElse(null);
    }

    /**
     * Warm-up: Sluice reaches 90% of its steady throughput within 10 s of load starting (its slowest round).
     * Where the machine itself is slower to settle (pgbench, with no JIT at all, took longer in the same
     * run), that floor is the target instead, and the report says so.
     */
    private static void warmUp(SeriesResult sluice, Optional<SeriesResult> pgbench, List<Target> out) {
        String desc = "Sluice reaches 90% of its steady throughput within 10 s of load starting (slowest round)";
        Double w = sluice.warmupTo90PctSeconds();
        if (w == null) {
            out.add(Results.missing("warm-up", desc, "<= 10 s", "sluice's warm-up"));
            return;
        }
        Double floor = pgbench.map(SeriesResult::warmupTo90PctSeconds).orElse(null);
        double limit = floor != null && floor > 10 ? floor : 10;
        out.add(new Target("warm-up", desc, w <= limit, fmt(w) + " s" + (floor == null ? "" : " (pgbench, the machine's floor: "
                + fmt(floor) + " s)"), "<= " + fmt(limit) + " s", w <= limit ? "" : "missed by " + fmt(w - limit) + " s"));
    }

    /** With {@code --pgbouncer}: each client's throughput through PgBouncer against its direct one, reported, not judged. */
    private static void viaPgBouncer(List<ClientResult> results, List<Target> out) {
        for (String client : List.of("sluice", "r2dbc-pool")) {
            Optional<SeriesResult> direct = Results.series(results, client, SEGMENT, Items.POINT_READ_OP);
            Optional<SeriesResult> pooled = Results.series(results, client + "-pgbouncer", SEGMENT, Items.POINT_READ_OP);
            if (direct.isPresent() && pooled.isPresent() && direct.get().throughput() > 0) {
                double r = pooled.get().throughput() / direct.get().throughput();
                out.add(new Target(client + "-pgbouncer-vs-direct", client + "'s throughput through PgBouncer (transaction mode) "
                        + "against its direct connections", null, fmt(r) + "x (" + Math.round(pooled.get().throughput()) + " vs "
                        + Math.round(direct.get().throughput()) + " ops/s), p99 " + Results.p99(pooled.get()) + " vs "
                        + Results.p99(direct.get()) + " ms", "reported", ""));
            }
        }
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
