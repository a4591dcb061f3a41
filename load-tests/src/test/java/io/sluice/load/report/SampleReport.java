package io.sluice.load.report;

import io.sluice.Lane;
import io.sluice.load.Cli;
import io.sluice.load.client.DbClient;
import io.sluice.load.client.Work;
import io.sluice.load.measure.Dispatch;
import io.sluice.load.measure.NanoClock;
import io.sluice.load.measure.Recording;
import io.sluice.load.measure.Segment;
import io.sluice.load.measure.SteadyState;
import io.sluice.load.report.Model.ClientResult;
import io.sluice.load.report.Model.Environment;
import io.sluice.load.report.Model.PoolPoint;
import io.sluice.load.report.Model.Report;
import io.sluice.load.report.Model.SegmentResult;
import io.sluice.load.report.Model.ServerConnections;
import io.sluice.load.report.Model.ServerPoint;
import io.sluice.load.report.Model.Target;
import java.util.List;
import java.util.Map;

/** A small but complete report, built through the real recording path with a fake client and clock. */
final class SampleReport {

    private SampleReport() {
    }

    static Report build(String... clients) {
        List<ClientResult> results = new java.util.ArrayList<>();
        int k = 1;
        for (String c : clients) {
            results.add(client(c, k++));
        }
        return new Report(1, "sluice-load test", "20260101-000000-abcd", "throughput", "point reads",
                "2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z", Json.toMap(Cli.defaults()),
                new Environment("17", "vendor", "Linux", "cpu", 2, 24000, "15.2", 100, "127.0.0.1:5432/x", "pgbench 15", null),
                results, Comparisons.of(results),
                List.of(new Target("t", "a target", true, "1.0x", ">= 0.95x", ""),
                        new Target("u", "another <b>", false, "0.5x", ">= 0.95x", "missed by a lot")),
                List.of("a warning"));
    }

    static ClientResult client(String name, int slowness) {
        long[] now = {1_000_000_000L};
        NanoClock clock = new NanoClock() {
            @Override
            public long nanoTime() {
                return now[0];
            }

            @Override
            public void parkUntil(long deadline) {
                now[0] = Math.max(now[0], deadline);
            }
        };
        int[] n = {0};
        DbClient fake = new DbClient() {
            @Override
            public void start() {
            }

            @Override
            public void execute(Work work, Completion done) {
                now[0] += (100_000L + (n[0]++ % 100) * 10_000L) * slowness;
                done.done(n[0] % 50 == 0 ? new java.sql.SQLException("x", "40001") : null);
            }

            @Override
            public List<PoolState> pools() {
                return List.of();
            }

            @Override
            public void close() {
            }
        };
        Recording rec = new Recording(clock);
        Dispatch d = new Dispatch(fake, rec, 0);
        Work w = Work.single("point-read", Lane.INTERACTIVE, new Work.Stmt("SELECT 1", Work.Shape.ONE, 1));
        Segment warm = rec.begin("load-warmup", true);
        for (int i = 0; i < 100; i++) {
            d.submit(w, clock.nanoTime(), null);
        }
        rec.tick(clock.nanoTime());
        Segment seg = rec.begin("load", false);
        for (int i = 0; i < 5000; i++) {
            d.submit(w, clock.nanoTime(), null);
            if (i % 500 == 0) {
                rec.tick(clock.nanoTime());
            }
        }
        rec.endCurrent();
        var stats = seg.series().iterator().next();
        double secs = (seg.endNanos() - seg.startNanos()) / 1e9;
        var series = SeriesResults.of(stats, "closed x4", true, secs,
                rec.timeline().stream().filter(p -> p.segment().equals("load")).toList());
        series = series.withWarmupTo90PctSeconds(
                SteadyState.warmupSeconds(rec.timeline(), rec.seconds(warm.startNanos()), series.throughput()));
        long allocated = 3_000_000L * slowness;
        return new ClientResult(name, name.equals("sluice") ? "sluice" : name.startsWith("pgbench") ? "reference" : "baseline",
                "the " + name + " client", "JVM 17", "17", Map.of("interactive", 4),
                List.of(new SegmentResult("load-warmup", true, 0, 1, null, null, null, null, null, null, null, List.of()),
                        new SegmentResult("load", false, 1, secs, 2.0 * slowness, 2.0 * slowness * 1e6 / 5000,
                                allocated, allocated / 5000.0, 95.0, 0.5, 0.0, List.of(series))),
                rec.timeline(), List.of(new PoolPoint(1, "interactive", 4, 4, 2.5, 4, 1.5, 0.0, 0)),
                new ServerConnections(List.of(new ServerPoint(1, "sl-abcd-interactive", 4, 2)), Map.of("sl-abcd-interactive", 4),
                        Map.of("sl-abcd-interactive", 2), 0),
                List.of(), null);
    }
}
