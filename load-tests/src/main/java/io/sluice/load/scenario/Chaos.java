package io.sluice.load.scenario;

import io.sluice.Lane;
import io.sluice.load.Settings;
import io.sluice.load.client.Work;
import io.sluice.load.client.Work.Shape;
import io.sluice.load.client.Work.Stmt;
import io.sluice.load.client.WorkSource;
import io.sluice.load.report.LatencyStats;
import io.sluice.load.report.Model.ClientResult;
import io.sluice.load.report.Model.SegmentResult;
import io.sluice.load.report.Model.SeriesResult;
import io.sluice.load.report.Model.Target;
import io.sluice.load.report.Model.TimelinePoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Steady mixed load (interactive point reads and background read-only transactions, all retry-safe)
 * through a fault-injecting proxy, while the harness injects, one phase each: {@code kill} (every backend
 * of the run terminated with {@code pg_terminate_backend}), {@code restart} (the server restarted, for real
 * with {@code pg_ctlcluster} on a local server, else emulated at the proxy), {@code blackhole} (the proxy
 * swallows everything for the phase) and {@code recovered} (the proxy forwards again). Sluice against a
 * plain r2dbc-pool of the same total size.
 *
 * <p>Reported per phase: errors seen by callers by type; for the black hole, how fast callers are told
 * (failure latency once the breaker is open) and for the recovery, how long until a second with no
 * failure; connections on the server by lane during and after.
 */
public final class Chaos implements Scenario {

    static final String READ = Items.POINT_READ_OP;
    static final String TX = "read-tx";

    @Override
    public String name() {
        return "chaos";
    }

    @Override
    public String description() {
        return "steady retry-safe load while backends are killed, the server restarts, and the network black-holes "
                + "and comes back; Sluice against a plain r2dbc-pool of the same total size";
    }

    @Override
    public List<String> defaultClients() {
        return List.of("sluice", "r2dbc-pool");
    }

    @Override
    public boolean throughFaultProxy() {
        return true;
    }

    @Override
    public Duration sluiceClientTimeout(Settings s) {
        return Duration.ofSeconds(2);
    }

    @Override
    public int sluiceQueue(Settings s) {
        return 200;
    }

    @Override
    public Map<Lane, Integer> poolSizes(Settings s) {
        Map<Lane, Integer> m = new LinkedHashMap<>();
        m.put(Lane.INTERACTIVE, s.poolSize("interactive", 4));
        m.put(Lane.BACKGROUND, s.poolSize("background", 2));
        return m;
    }

    private static WorkSource reads(long rows) {
        return r -> Work.read(READ, Lane.INTERACTIVE, new Stmt(Items.POINT_READ, Shape.ONE, 1, Items.id(r, rows)));
    }

    private static WorkSource readTx(long rows) {
        return r -> new Work(TX, Lane.BACKGROUND, true, true, List.of(
                new Stmt("SELECT count(*) FROM items WHERE id BETWEEN $1 AND $1 + 1000", Shape.ONE, 1, Items.id(r, rows - 1000))));
    }

    @Override
    public List<Phase> phases(Settings s) {
        List<Load> loads = List.of(
                Load.open(READ, Lane.INTERACTIVE, s.rate("interactive", 200), reads(s.rows())),
                Load.open(TX, Lane.BACKGROUND, s.rate("background", 20), readTx(s.rows())));
        Duration d = s.duration();
        return List.of(
                new Phase("steady", s.warmup(), d, loads),
                new Phase("kill", Duration.ZERO, d, loads, ctx -> "terminated " + ctx.killBackends() + " backends"),
                new Phase("restart", Duration.ZERO, d, loads, FaultContext::restart),
                new Phase("blackhole", Duration.ZERO, d, loads, ctx -> {
                    ctx.proxy().blackHole(true);
                    return "the proxy black-holes every connection (accepts, never answers)";
                }),
                new Phase("recovered", Duration.ZERO, d, loads, ctx -> {
                    ctx.proxy().blackHole(false);
                    return "the proxy forwards again";
                }));
    }

    static long failures(List<ClientResult> results, String client, String segment) {
        long n = 0;
        for (String op : List.of(READ, TX)) {
            n += Results.series(results, client, segment, op).map(x -> x.outcomes().failures()).orElse(0L);
        }
        return n;
    }

    /** Seconds from the start of {@code segment} to the first sampling interval with successes and no failure. */
    static Optional<Double> timeToClean(ClientResult r, String segment) {
        Optional<SegmentResult> seg = r.segments().stream().filter(x -> x.name().equals(segment)).findFirst();
        if (seg.isEmpty()) {
            return Optional.empty();
        }
        Map<Double, long[]> byTime = new java.util.TreeMap<>();
        for (TimelinePoint p : r.timeline()) {
            if (segment.equals(p.segment())) {
                long[] c = byTime.computeIfAbsent(p.t(), k -> new long[2]);
                c[0] += p.successes();
                c[1] += p.failures();
            }
        }
        for (Map.Entry<Double, long[]> e : byTime.entrySet()) {
            if (e.getValue()[0] > 0 && e.getValue()[1] == 0) {
                return Optional.of(Math.max(0, e.getKey() - seg.get().startSec()));
            }
        }
        return Optional.empty();
    }

    @Override
    public List<Target> targets(Settings s, List<ClientResult> results) {
        List<Target> out = new ArrayList<>();
        for (String phase : List.of("kill", "restart")) {
            long sluice = failures(results, "sluice", phase);
            long base = failures(results, "r2dbc-pool", phase);
            out.add(new Target("zero-errors-" + phase, "retry-safe work sees no error through the " + phase + " phase (plain r2dbc-pool: "
                    + base + ")", sluice == 0, sluice + " failed", "0", sluice == 0 ? "" : "by type: " + errors(results, phase)));
        }
        Optional<SeriesResult> bh = Results.series(results, "sluice", "blackhole", READ);
        String d = "with the server black-holed, callers are told at once (median failure under 10 ms once the breaker is open)";
        if (bh.isEmpty()) {
            out.add(Results.missing("fail-fast", d, "< 10 ms", "sluice"));
        } else {
            LatencyStats rej = bh.get().latencyMs().get("rejected");
            boolean ok = rej != null && rej.p50() < 10;
            out.add(new Target("fail-fast", d, ok, rej == null ? "no fast rejections" : rej.p50() + " ms median over "
                    + rej.count() + " rejections; " + bh.get().outcomes().timeout() + " timed out first", "< 10 ms",
                    ok ? "" : "the breaker did not open"));
        }
        Optional<ClientResult> sluice = results.stream().filter(r -> r.client().equals("sluice")).findFirst();
        Optional<Double> rec = sluice.flatMap(r -> timeToClean(r, "recovered"));
        boolean ok = rec.isPresent() && rec.get() <= 5;
        out.add(new Target("recovers", "after the black hole, Sluice serves without failures again within 5 s", ok,
                rec.map(x -> x + " s to the first clean second").orElse("never clean in the phase"), "<= 5 s",
                ok ? "" : "the breaker's wait or a stuck connection delayed recovery"));
        return out;
    }

    private static String errors(List<ClientResult> results, String phase) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (String op : List.of(READ, TX)) {
            Results.series(results, "sluice", phase, op).ifPresent(x -> x.errorsByType().forEach((k, v) -> m.merge(k, v, Long::sum)));
        }
        return m.toString();
    }
}
