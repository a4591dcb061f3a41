package io.sluice.load.scenario;

import static io.sluice.load.scenario.Results.fmt;

import io.sluice.Lane;
import io.sluice.load.Settings;
import io.sluice.load.report.Model.ClientResult;
import io.sluice.load.report.Model.SeriesResult;
import io.sluice.load.report.Model.Target;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The situation Sluice exists for. Phase {@code loaded}: interactive point reads at a fixed arrival rate
 * while a background job saturates the database with long queries, closed loop at a concurrency twice the
 * background lane's size. Phase {@code idle}: the same reads, nothing else. The two alternate in
 * {@link #BLOCKS} blocks each, merged into one segment per phase. Sluice gets an interactive
 * and a background lane; the shared-pool baseline one pool of the same total size.
 *
 * <p>Targets: Sluice's interactive p99 under load within 1.5x of its idle p99 with zero interactive
 * failures, while the shared pool's interactive latency collapses or times out.
 */
public final class Isolation implements Scenario {

    static final String IDLE = "idle";
    static final String LOADED = "loaded";
    static final double COLLAPSE = 10.0;

    @Override
    public String name() {
        return "isolation";
    }

    @Override
    public String description() {
        return "interactive point reads at a fixed rate, idle and then while a background job saturates the database "
                + "with long queries; Sluice's two lanes against one shared r2dbc-pool of the same total size";
    }

    @Override
    public List<String> defaultClients() {
        return List.of("sluice", "sluice-adaptive", "sluice-priority", "sluice-lending", "sluice-lending-priority", "r2dbc-pool");
    }

    @Override
    public Map<Lane, Integer> poolSizes(Settings s) {
        Map<Lane, Integer> m = new LinkedHashMap<>();
        m.put(Lane.INTERACTIVE, s.poolSize("interactive", 8));
        m.put(Lane.BACKGROUND, s.poolSize("background", 8));
        return m;
    }

    @Override
    public List<Phase> phases(Settings s) {
        Load reads = Load.open(Items.POINT_READ_OP, Lane.INTERACTIVE, s.rate("interactive", 200),
                Items.pointRead(Lane.INTERACTIVE, s.rows()));
        int bgConcurrency = s.concurrency("background", 2 * poolSizes(s).get(Lane.BACKGROUND));
        Load background = Load.closed(Items.SCAN_OP, Lane.BACKGROUND, bgConcurrency,
                Items.longQuery(Lane.BACKGROUND, s.background(), s.rows()));
        // loaded and idle alternate in BLOCKS blocks each (loaded#1, idle#1, loaded#2, ...), merged into one
        // segment per phase: whatever else disturbs the machine for a while (on a VM: another guest's CPU steal)
        // then falls on both phases alike instead of on whichever ran at the time
        int blocks = s.duration().compareTo(Duration.ofSeconds(BLOCKS)) >= 0 ? BLOCKS : 1;
        Duration block = s.duration().dividedBy(blocks);
        // loaded comes first, so that the whole warm-up runs both loads: every code path either phase measures
        // (the background lane's, a borrowed connection's, a yielding gate's) is compiled before any figure is
        // taken. A later loaded block's warm-up only lets the background job reach full pressure again; an idle
        // block's lets the machine settle after the background work drained.
        Duration settle = min(s.warmup(), Duration.ofSeconds(5));
        Duration calm = min(s.warmup(), Duration.ofSeconds(2));
        List<Phase> phases = new ArrayList<>();
        for (int i = 1; i <= blocks; i++) {
            String suffix = blocks == 1 ? "" : "#" + i;
            phases.add(new Phase(LOADED + suffix, i == 1 ? s.warmup() : settle, block, List.of(reads, background)));
            phases.add(new Phase(IDLE + suffix, calm, block, List.of(reads)));
        }
        return phases;
    }

    /** Blocks of loaded and idle measurement per client, alternating. */
    static final int BLOCKS = 3;

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) < 0 ? a : b;
    }

    @Override
    public List<Target> targets(Settings s, List<ClientResult> results) {
        List<Target> out = new ArrayList<>();
        String op = Items.POINT_READ_OP;
        Optional<SeriesResult> idle = Results.series(results, "sluice", IDLE, op);
        Optional<SeriesResult> loaded = Results.series(results, "sluice", LOADED, op);
        String d1 = "Sluice's interactive p99 under background load within 1.5x of its idle p99";
        String d2 = "zero interactive failures for Sluice, idle and under load";
        if (idle.isEmpty() || loaded.isEmpty()) {
            out.add(Results.missing("interactive-p99-isolated", d1, "<= 1.5x", "sluice"));
            out.add(Results.missing("interactive-no-failures", d2, "0", "sluice"));
        } else {
            double ratio = Results.p99(loaded.get()) / Math.max(0.001, Results.p99(idle.get()));
            out.add(new Target("interactive-p99-isolated", d1, ratio <= 1.5, fmt(ratio) + "x (" + Results.p99(loaded.get())
                    + " ms loaded vs " + Results.p99(idle.get()) + " ms idle)", "<= 1.5x",
                    ratio <= 1.5 ? "" : "missed by " + fmt(ratio - 1.5) + "x: separate pools keep connections for the "
                            + "interactive lane, but the server's CPU is still shared with the background queries"));
            long failures = idle.get().outcomes().failures() + loaded.get().outcomes().failures();
            out.add(new Target("interactive-no-failures", d2, failures == 0, failures + " failed", "0",
                    failures == 0 ? "" : "by type: " + loaded.get().errorsByType()));
        }
        Optional<SeriesResult> sIdle = Results.series(results, "r2dbc-pool", IDLE, op);
        Optional<SeriesResult> sLoaded = Results.series(results, "r2dbc-pool", LOADED, op);
        String d3 = "the shared pool's interactive latency collapses (p99 at least " + (int) COLLAPSE
                + "x its idle p99) or its requests fail";
        if (sIdle.isEmpty() || sLoaded.isEmpty()) {
            out.add(Results.missing("shared-pool-collapses", d3, ">= " + (int) COLLAPSE + "x or failures", "r2dbc-pool"));
        } else {
            double ratio = Results.p99(sLoaded.get()) / Math.max(0.001, Results.p99(sIdle.get()));
            long failures = sLoaded.get().outcomes().failures();
            boolean collapsed = ratio >= COLLAPSE || failures > 0;
            out.add(new Target("shared-pool-collapses", d3, collapsed, fmt(ratio) + "x p99, " + failures + " failed of "
                    + (sLoaded.get().outcomes().success() + failures), ">= " + (int) COLLAPSE + "x or failures",
                    collapsed ? "" : "the background load did not hurt the shared pool: raise the background concurrency"));
        }
        // every Sluice variant: interactive p99 within 1.5x of its idle p99 AND background throughput at
        // least 80% of what the single shared pool gives it, both at once
        Optional<SeriesResult> sharedBg = Results.series(results, "r2dbc-pool", LOADED, Items.SCAN_OP);
        for (ClientResult r : results) {
            if (!r.client().startsWith("sluice")) {
                continue;
            }
            Optional<SeriesResult> i0 = Results.series(results, r.client(), IDLE, op);
            Optional<SeriesResult> i1 = Results.series(results, r.client(), LOADED, op);
            Optional<SeriesResult> bg = Results.series(results, r.client(), LOADED, Items.SCAN_OP);
            String d4 = r.client() + ": interactive p99 within 1.5x of idle AND background throughput >= 80% of the shared pool's";
            if (i0.isEmpty() || i1.isEmpty() || bg.isEmpty() || sharedBg.isEmpty()) {
                out.add(Results.missing("both-at-once-" + r.client(), d4, "<= 1.5x and >= 80%", r.client() + " or r2dbc-pool"));
                continue;
            }
            double p = Results.p99(i1.get()) / Math.max(0.001, Results.p99(i0.get()));
            double t = bg.get().throughput() / Math.max(0.001, sharedBg.get().throughput());
            boolean ok = p <= 1.5 && t >= 0.8 && i1.get().outcomes().failures() == 0;
            out.add(new Target("both-at-once-" + r.client(), d4, ok, fmt(p) + "x p99, background " + fmt(t * 100) + "% ("
                    + fmt(bg.get().throughput()) + " vs " + fmt(sharedBg.get().throughput()) + " /s), "
                    + i1.get().outcomes().failures() + " interactive failures", "<= 1.5x and >= 80%",
                    ok ? "" : (p > 1.5 ? "interactive latency still rises with the shared CPU; " : "")
                            + (t < 0.8 ? "the background lane gets less than the shared pool gives it" : "")));
        }
        return out;
    }
}
