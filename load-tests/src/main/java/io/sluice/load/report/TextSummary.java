package io.sluice.load.report;

import io.sluice.load.report.Model.ClientResult;
import io.sluice.load.report.Model.Report;
import io.sluice.load.report.Model.SegmentResult;
import io.sluice.load.report.Model.SeriesResult;
import io.sluice.load.report.Model.Target;
import java.util.Locale;

/** The plain-text summary printed at the end of a run. */
public final class TextSummary {

    private TextSummary() {
    }

    public static String clientLine(ClientResult r) {
        if (r.error() != null) {
            return "   " + r.client() + " FAILED: " + r.error();
        }
        StringBuilder sb = new StringBuilder();
        for (SegmentResult seg : r.segments()) {
            for (SeriesResult s : seg.series()) {
                sb.append(String.format(Locale.ROOT, "   %s %s/%s: %.0f ops/s, p50 %.2f ms, p99 %.2f ms, %d failed%n",
                        r.client(), seg.name(), s.series(), s.throughput(), s.latencyMs().get("success").p50(),
                        s.latencyMs().get("success").p99(), s.outcomes().failures()));
            }
        }
        return sb.toString().stripTrailing();
    }

    private static String orNa(Double v) {
        return v == null ? "n/a" : String.format(Locale.ROOT, "%.1f", v);
    }

    /** Bytes in KB (1,024 bytes). */
    static Double kb(Double bytes) {
        return bytes == null ? null : bytes / 1024.0;
    }

    public static String of(Report report) {
        StringBuilder sb = new StringBuilder("\n");
        sb.append(String.format(Locale.ROOT, "%-16s %-8s %-12s %12s %9s %9s %9s %9s %10s %12s %9s %8s %7s%n", "client", "segment",
                "series", "ops/s", "p50 ms", "p99 ms", "max ms", "failed", "cpu us/op", "alloc KB/op", "warm90 s", "others%", "steal%"));
        for (ClientResult r : report.clients()) {
            if (r.error() != null) {
                sb.append(String.format(Locale.ROOT, "%-16s FAILED: %s%n", r.client(), r.error()));
                continue;
            }
            for (SegmentResult seg : r.segments()) {
                for (SeriesResult s : seg.series()) {
                    LatencyStats l = s.latencyMs().get("success");
                    sb.append(String.format(Locale.ROOT, "%-16s %-8s %-12s %12.1f %9.3f %9.3f %9.3f %9d %10s %12s %9s %8s %7s%n",
                            r.client(), seg.name(), s.series(), s.throughput(), l.p50(), l.p99(), l.max(), s.outcomes().failures(),
                            orNa(seg.cpuMicrosPerOp()), orNa(kb(seg.allocBytesPerOp())), orNa(s.warmupTo90PctSeconds()),
                            orNa(seg.otherCpuPct()), orNa(seg.stealCpuPct())));
                }
            }
        }
        sb.append("\ntargets:\n");
        for (Target t : report.targets()) {
            String mark = t.met() == null ? "  -  " : t.met() ? " MET " : "MISSED";
            sb.append(String.format(Locale.ROOT, " [%s] %s: %s (want %s)%s%n", mark, t.description(), t.measured(),
                    t.threshold(), t.note() == null || t.note().isEmpty() ? "" : "; " + t.note()));
        }
        if (!report.warnings().isEmpty()) {
            sb.append("\nwarnings:\n");
            report.warnings().forEach(w -> sb.append(" - ").append(w).append('\n'));
        }
        return sb.toString();
    }
}
