package io.sluice.load.report;

import io.sluice.load.report.Model.ClientResult;
import io.sluice.load.report.Model.Comparison;
import io.sluice.load.report.Model.SegmentResult;
import io.sluice.load.report.Model.SeriesResult;
import java.util.ArrayList;
import java.util.List;

/**
 * Ratios between clients measured in the same run: Sluice against every other client, and every client
 * against the reference (pgbench), on each series of each measured segment both ran.
 */
public final class Comparisons {

    private Comparisons() {
    }

    public static List<Comparison> of(List<ClientResult> results) {
        List<Comparison> out = new ArrayList<>();
        for (ClientResult a : results) {
            for (ClientResult b : results) {
                if (a == b || a.error() != null || b.error() != null) {
                    continue;
                }
                boolean sluiceVsOther = a.role().equals("sluice") && !b.role().equals("sluice");
                boolean againstReference = b.role().equals("reference") && !a.role().equals("reference");
                if (sluiceVsOther || againstReference) {
                    compare(a, b, out);
                }
            }
        }
        return out;
    }

    private static void compare(ClientResult a, ClientResult b, List<Comparison> out) {
        for (SegmentResult seg : a.segments()) {
            if (seg.warmup()) {
                continue;
            }
            for (SeriesResult x : seg.series()) {
                SeriesResult y = b.series(seg.name(), x.series());
                if (y == null) {
                    continue;
                }
                LatencyStats lx = x.latencyMs().get("success");
                LatencyStats ly = y.latencyMs().get("success");
                Double cpuA = seg.cpuMicrosPerOp();
                Double cpuB = b.measured(seg.name()) == null ? null : b.measured(seg.name()).cpuMicrosPerOp();
                Double allocA = seg.allocBytesPerOp();
                Double allocB = b.measured(seg.name()) == null ? null : b.measured(seg.name()).allocBytesPerOp();
                out.add(new Comparison(a.client(), b.client(), seg.name(), x.series(), ratio(x.throughput(), y.throughput()),
                        ratio(lx.p50(), ly.p50()), ratio(lx.p99(), ly.p99()),
                        LatencyStats.round(failureRate(x) - failureRate(y)),
                        cpuA == null || cpuB == null || cpuB == 0 ? null : ratio(cpuA, cpuB),
                        allocA == null || allocB == null || allocB == 0 ? null : ratio(allocA, allocB)));
            }
        }
    }

    static double failureRate(SeriesResult s) {
        long all = s.outcomes().success() + s.outcomes().failures();
        return all == 0 ? 0 : (double) s.outcomes().failures() / all;
    }

    static double ratio(double a, double b) {
        return b == 0 ? 0 : LatencyStats.round(a / b);
    }
}
