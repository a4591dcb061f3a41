package io.sluice.load.scenario;

import static io.sluice.load.scenario.Results.fmt;

import io.sluice.Lane;
import io.sluice.load.Settings;
import io.sluice.load.client.Work;
import io.sluice.load.client.Work.Shape;
import io.sluice.load.client.Work.Stmt;
import io.sluice.load.client.WorkSource;
import io.sluice.load.report.LatencyStats;
import io.sluice.load.report.Model.ClientResult;
import io.sluice.load.report.Model.SeriesResult;
import io.sluice.load.report.Model.Target;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Twice a lane's capacity. Work of a fixed 10 ms on the server ({@code pg_sleep}), so a lane of N
 * connections serves 100 x N per second. Phase {@code normal}: half the capacity; phase {@code overload}:
 * twice it, open loop. Sluice's lane admits N at once with a queue of N and rejects the rest at once; the
 * plain r2dbc-pool of the same size queues every caller until its acquire timeout.
 *
 * <p>Targets: Sluice's rejections answer with p99 under 1 ms, and its admitted work keeps its latency
 * (overload p99 within 2x of normal); the baseline's latency grows toward its acquire timeout.
 */
public final class Overload implements Scenario {

    static final String OP = "fixed-10ms";

    @Override
    public String name() {
        return "overload";
    }

    @Override
    public String description() {
        return "open loop at half and then twice a lane's capacity (10 ms of server time per unit); Sluice's admission "
                + "gate against a plain r2dbc-pool of the same size";
    }

    @Override
    public List<String> defaultClients() {
        return List.of("sluice", "sluice-multiplexed", "r2dbc-pool");
    }

    @Override
    public Map<Lane, Integer> poolSizes(Settings s) {
        return Map.of(Lane.INTERACTIVE, s.poolSize("interactive", 4));
    }

    @Override
    public int sluiceQueue(Settings s) {
        return poolSizes(s).get(Lane.INTERACTIVE);
    }

    /** 10 ms statements gain nothing from pipelining: the multiplexed lane admits one per shared connection, as the plain lane does. */
    @Override
    public int multiplexedAdmission(Settings s) {
        return io.sluice.load.client.Clients.MUX_SHARED;
    }

    private static WorkSource work() {
        return r -> Work.single(OP, Lane.INTERACTIVE, new Stmt("SELECT 1 FROM pg_sleep(0.01)", Shape.ONE, 1));
    }

    double capacity(Settings s) {
        return 100.0 * poolSizes(s).get(Lane.INTERACTIVE);
    }

    @Override
    public List<Phase> phases(Settings s) {
        double capacity = capacity(s);
        return List.of(
                new Phase("normal", s.warmup(), s.duration(), List.of(Load.open(OP, Lane.INTERACTIVE, s.rate("normal", capacity / 2), work()))),
                new Phase("overload", java.time.Duration.ZERO, s.duration(),
                        List.of(Load.open(OP, Lane.INTERACTIVE, s.rate("interactive", 2 * capacity), work()))));
    }

    @Override
    public List<Target> targets(Settings s, List<ClientResult> results) {
        List<Target> out = new ArrayList<>();
        Optional<SeriesResult> normal = Results.series(results, "sluice", "normal", OP);
        Optional<SeriesResult> over = Results.series(results, "sluice", "overload", OP);
        String d1 = "Sluice rejects what it cannot serve at once: rejection p99 under 1 ms";
        String d2 = "Sluice's admitted work keeps its latency: overload p99 within 2x of normal p99";
        if (normal.isEmpty() || over.isEmpty()) {
            out.add(Results.missing("rejection-p99", d1, "< 1 ms", "sluice"));
            out.add(Results.missing("admitted-p99", d2, "<= 2x", "sluice"));
        } else {
            LatencyStats rejected = over.get().latencyMs().get("rejected");
            long n = over.get().outcomes().rejected();
            boolean ok1 = rejected != null && n > 0 && rejected.p99() < 1.0;
            out.add(new Target("rejection-p99", d1, ok1, rejected == null ? "no rejections" : rejected.p99() + " ms p99 over "
                    + n + " rejections", "< 1 ms", ok1 ? "" : "rejections were slow or absent"));
            double ratio = Results.p99(over.get()) / Math.max(0.001, Results.p99(normal.get()));
            out.add(new Target("admitted-p99", d2, ratio <= 2.0, fmt(ratio) + "x (" + Results.p99(over.get()) + " ms vs "
                    + Results.p99(normal.get()) + " ms)", "<= 2x", ratio <= 2.0 ? "" : "admitted work waited in the queue"));
        }
        Optional<SeriesResult> muxOver = Results.series(results, "sluice-multiplexed", "overload", OP);
        String d4 = "the multiplexed lane's overload p99 no worse than the non-multiplexed lane's";
        if (over.isEmpty() || muxOver.isEmpty()) {
            out.add(Results.missing("multiplexed-overload-p99", d4, "<= 1.0x", "sluice or sluice-multiplexed"));
        } else {
            double r = Results.p99(muxOver.get()) / Math.max(0.001, Results.p99(over.get()));
            out.add(new Target("multiplexed-overload-p99", d4, r <= 1.0, fmt(r) + "x (" + Results.p99(muxOver.get()) + " ms vs "
                    + Results.p99(over.get()) + " ms)", "<= 1.0x", r <= 1.0 ? "" : "missed by " + fmt(r - 1.0) + "x"));
        }
        Optional<SeriesResult> bNormal = Results.series(results, "r2dbc-pool", "normal", OP);
        Optional<SeriesResult> bOver = Results.series(results, "r2dbc-pool", "overload", OP);
        String d3 = "the plain pool queues instead: its overload p99 is at least 10x its normal p99, or it times out";
        if (bNormal.isEmpty() || bOver.isEmpty()) {
            out.add(Results.missing("baseline-queues", d3, ">= 10x or timeouts", "r2dbc-pool"));
        } else {
            double ratio = Results.p99(bOver.get()) / Math.max(0.001, Results.p99(bNormal.get()));
            long timeouts = bOver.get().outcomes().timeout();
            boolean ok = ratio >= 10 || timeouts > 0;
            out.add(new Target("baseline-queues", d3, ok, fmt(ratio) + "x p99, " + timeouts + " timed out", ">= 10x or timeouts",
                    ok ? "" : "the baseline kept up: raise the rate"));
        }
        return out;
    }
}
