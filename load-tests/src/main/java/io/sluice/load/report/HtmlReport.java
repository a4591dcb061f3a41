package io.sluice.load.report;

import io.sluice.load.report.Model.ClientResult;
import io.sluice.load.report.Model.Comparison;
import io.sluice.load.report.Model.PercentilePoint;
import io.sluice.load.report.Model.PoolPoint;
import io.sluice.load.report.Model.Report;
import io.sluice.load.report.Model.SegmentResult;
import io.sluice.load.report.Model.SeriesResult;
import io.sluice.load.report.Model.ServerPoint;
import io.sluice.load.report.Model.Target;
import io.sluice.load.report.Model.TimelinePoint;
import io.sluice.load.report.Svg.Axis;
import io.sluice.load.report.Svg.Line;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * The report as one self-contained HTML page: targets, warnings, a results table, ratios, and inline SVG
 * charts (latency percentiles, throughput and p99 over time, pool occupancy, server connections).
 */
public final class HtmlReport {

    private HtmlReport() {
    }

    public static void write(Path file, Report report) {
        try {
            Json.createParent(file);
            Files.writeString(file, render(report));
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + file + ": " + e.getMessage(), e);
        }
    }

    public static String render(Report r) {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Sluice load test: ")
                .append(esc(r.scenario())).append("</title><style>")
                .append("body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px;color:#222;max-width:1200px}")
                .append("table{border-collapse:collapse;margin:8px 0 20px;font-size:13px}th,td{border:1px solid #ccc;padding:3px 7px;text-align:right}")
                .append("th{background:#f3f3f3}td.l,th.l{text-align:left}.met{color:#127a12;font-weight:bold}.missed{color:#b00;font-weight:bold}")
                .append(".na{color:#777}.warn{background:#fff6e0;border-left:4px solid #e0a000;padding:6px 10px;margin:4px 0}")
                .append("svg{display:block;margin:6px 0 18px;font-family:inherit}h2{margin-top:34px;border-bottom:1px solid #ddd}")
                .append("pre{background:#f7f7f7;padding:8px;font-size:12px;overflow:auto}.grid{display:flex;flex-wrap:wrap;gap:8px}")
                .append("</style></head><body>");
        h.append("<h1>Sluice load test: ").append(esc(r.scenario())).append("</h1>");
        h.append("<p>").append(esc(r.scenarioDescription())).append("</p>");
        h.append("<p>Run <code>").append(esc(r.runId())).append("</code>, ").append(esc(r.startedAt())).append(" to ")
                .append(esc(r.finishedAt())).append(". ");
        if (r.environment() != null) {
            var e = r.environment();
            h.append(esc(e.cpus() + " CPUs (" + e.cpu() + "), " + e.memoryMb() / 1024 + " GiB, " + e.os() + "; PostgreSQL "
                    + e.postgresVersion() + " at " + e.server() + ", max_connections " + e.maxConnections() + "; harness on Java "
                    + e.javaVersion()));
        }
        h.append(". Latencies are in milliseconds; open-loop latency runs from the intended send time.</p>");
        targets(h, r.targets());
        if (!r.warnings().isEmpty()) {
            h.append("<h2>Warnings</h2>");
            r.warnings().forEach(w -> h.append("<div class='warn'>").append(esc(w)).append("</div>"));
        }
        List<ClientResult> ok = r.clients().stream().filter(c -> c.error() == null).toList();
        Map<String, String> colors = new LinkedHashMap<>();
        for (int i = 0; i < r.clients().size(); i++) {
            colors.put(r.clients().get(i).client(), Svg.color(i));
        }
        Set<String> keys = seriesKeys(ok);
        h.append("<h2>Summary</h2><div class='grid'>");
        for (String key : keys) {
            bars(h, ok, colors, key, "throughput (successes/s): " + key, "ops/s", SeriesResult::throughput);
            bars(h, ok, colors, key, "p99 latency (ms): " + key, "ms", s -> s.latencyMs().get("success").p99());
        }
        h.append("</div>");
        results(h, r.clients());
        comparisons(h, r.comparisons());
        h.append("<h2>Latency percentiles</h2><p>Successful work only; x is the percentile on a log scale of 1/(1-p), "
                + "so the tail gets room.</p>");
        for (String key : keys) {
            percentileChart(h, ok, colors, key);
        }
        List<double[]> warm = warmupSpans(ok);
        h.append("<h2>Over time</h2><p>Time since each client started; shaded spans are warm-ups (not measured).</p>");
        for (String series : seriesNames(ok)) {
            h.append(Svg.lines("throughput over time: " + series, Axis.linear("seconds"), Axis.linear("successes/s"),
                    timelineLines(ok, colors, series, p -> p.rate()), warm));
            h.append(Svg.lines("p99 latency over time: " + series, Axis.linear("seconds"), Axis.log("ms (log)"),
                    timelineLines(ok, colors, series, p -> p.p99() == null ? Double.NaN : p.p99()), warm));
        }
        h.append("<h2>Pools and server connections</h2><p>Pool figures are means over each sampling interval "
                + "(sampled every 100 ms); server connections are counted in pg_stat_activity by application_name.</p>");
        for (ClientResult c : ok) {
            if (!c.poolTimeline().isEmpty()) {
                h.append(Svg.lines("pool occupancy: " + c.client(), Axis.linear("seconds"), Axis.linear("connections / waiters"),
                        poolLines(c.poolTimeline()), warm));
            }
            if (c.server() != null && !c.server().samples().isEmpty()) {
                h.append(Svg.lines("server connections by application_name: " + c.client(), Axis.linear("seconds"),
                        Axis.linear("connections"), serverLines(c.server().samples()), warm));
            }
        }
        clients(h, r.clients());
        h.append("<h2>Settings</h2><pre>").append(esc(Json.string(r.settings()))).append("</pre>");
        h.append("<h2>Environment</h2><pre>").append(esc(Json.string(r.environment()))).append("</pre>");
        h.append("<p class='na'>").append(esc(r.tool())).append("; the JSON report beside this page holds every figure "
                + "(schema: load-tests/REPORT-SCHEMA.md).</p></body></html>");
        return h.toString();
    }

    private static void targets(StringBuilder h, List<Target> targets) {
        h.append("<h2>Targets</h2>");
        if (targets.isEmpty()) {
            h.append("<p class='na'>This scenario has no targets.</p>");
            return;
        }
        h.append("<table><tr><th class='l'>target</th><th class='l'>verdict</th><th class='l'>measured</th>"
                + "<th class='l'>wanted</th><th class='l'>note</th></tr>");
        for (Target t : targets) {
            String verdict = t.met() == null ? "<span class='na'>reported</span>"
                    : t.met() ? "<span class='met'>met</span>" : "<span class='missed'>missed</span>";
            h.append("<tr><td class='l'>").append(esc(t.description())).append("</td><td class='l'>").append(verdict)
                    .append("</td><td class='l'>").append(esc(t.measured())).append("</td><td class='l'>")
                    .append(esc(t.threshold())).append("</td><td class='l'>").append(esc(t.note())).append("</td></tr>");
        }
        h.append("</table>");
    }

    private static void results(StringBuilder h, List<ClientResult> clients) {
        h.append("<h2>Results</h2><table><tr><th class='l'>client</th><th class='l'>segment</th><th class='l'>series</th>"
                + "<th class='l'>load</th><th>ops/s</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th>"
                + "<th>ok</th><th>rejected</th><th>timeout</th><th>error</th><th>unfinished</th><th>retries</th>"
                + "<th title='CPU time of the client JVM (harness included) per unit of work finished in the segment'>"
                + "client CPU &micro;s/op</th><th title='heap memory allocated by the client JVM (all threads, harness included) "
                + "per unit of work finished in the segment; 1 KB = 1,024 bytes'>client alloc KB/op</th>"
                + "<th title='closed loop: seconds from the start of the warm-up until the rate first reached 90% of the measured "
                + "throughput'>warm-up to 90% s</th><th title='share of the machine&#39;s CPU used by other processes'>"
                + "others' CPU %</th><th title='CPU taken by the hypervisor for other virtual machines'>steal %</th>"
                + "<th class='l'>steady</th></tr>");
        for (ClientResult c : clients) {
            if (c.error() != null) {
                h.append("<tr><td class='l'>").append(esc(c.client())).append("</td><td class='l missed' colspan='21'>failed: ")
                        .append(esc(c.error())).append("</td></tr>");
                continue;
            }
            for (SegmentResult seg : c.segments()) {
                for (SeriesResult s : seg.series()) {
                    LatencyStats l = s.latencyMs().get("success");
                    var o = s.outcomes();
                    h.append("<tr><td class='l'>").append(esc(c.client())).append("</td><td class='l'>").append(esc(seg.name()))
                            .append("</td><td class='l'>").append(esc(s.series())).append("</td><td class='l'>").append(esc(s.load()))
                            .append("</td>").append(td(s.throughput())).append(td(l.p50())).append(td(l.p90())).append(td(l.p99()))
                            .append(td(l.p999())).append(td(l.max())).append(td(o.success())).append(td(o.rejected()))
                            .append(td(o.timeout())).append(td(o.error())).append(td(o.unfinished())).append(td(o.retries()))
                            .append(seg.cpuMicrosPerOp() == null ? "<td>n/a</td>" : td(seg.cpuMicrosPerOp()))
                            .append(seg.allocBytesPerOp() == null ? "<td>n/a</td>" : td(Math.round(seg.allocBytesPerOp() / 102.4) / 10.0))
                            .append(s.warmupTo90PctSeconds() == null ? "<td>n/a</td>" : td(s.warmupTo90PctSeconds()))
                            .append(seg.otherCpuPct() == null ? "<td>n/a</td>" : td(seg.otherCpuPct()))
                            .append(seg.stealCpuPct() == null ? "<td>n/a</td>" : td(seg.stealCpuPct()))
                            .append("<td class='l' title='").append(esc(s.steadiness().note())).append("'>")
                            .append(s.steadiness().steady() ? "yes" : String.format(Locale.ROOT,
                                    "<span class='missed'>no</span> (%+.0f%% %s)", s.steadiness().changePct(), s.steadiness().metric()))
                            .append("</td></tr>");
                }
            }
        }
        h.append("</table>");
    }

    private static void comparisons(StringBuilder h, List<Comparison> comparisons) {
        if (comparisons.isEmpty()) {
            return;
        }
        h.append("<h2>Ratios</h2><p>client / baseline, measured in this run. Throughput above 1 and latency below 1 favour "
                + "the client.</p><table><tr><th class='l'>client</th><th class='l'>against</th><th class='l'>segment</th>"
                + "<th class='l'>series</th><th>throughput</th><th>p50</th><th>p99</th><th>failure rate delta</th>"
                + "<th>client CPU per op</th><th>client alloc per op</th></tr>");
        for (Comparison c : comparisons) {
            h.append("<tr><td class='l'>").append(esc(c.client())).append("</td><td class='l'>").append(esc(c.baseline()))
                    .append("</td><td class='l'>").append(esc(c.segment())).append("</td><td class='l'>").append(esc(c.series()))
                    .append("</td>").append(td(c.throughputRatio())).append(td(c.p50Ratio())).append(td(c.p99Ratio()))
                    .append(td(c.failureRateDelta()))
                    .append(c.cpuPerOpRatio() == null ? "<td>n/a</td>" : td(c.cpuPerOpRatio()))
                    .append(c.allocPerOpRatio() == null ? "<td>n/a</td>" : td(c.allocPerOpRatio())).append("</tr>");
        }
        h.append("</table>");
    }

    private static void clients(StringBuilder h, List<ClientResult> clients) {
        h.append("<h2>Clients</h2><table><tr><th class='l'>client</th><th class='l'>what</th><th class='l'>process</th>"
                + "<th class='l'>pools</th><th class='l'>most server connections</th><th>left open after close</th>"
                + "<th class='l'>failures by type</th></tr>");
        for (ClientResult c : clients) {
            Map<String, Long> errors = new LinkedHashMap<>();
            for (SegmentResult seg : c.segments()) {
                for (SeriesResult s : seg.series()) {
                    s.errorsByType().forEach((k, v) -> errors.merge(seg.name() + "/" + s.series() + " " + k, v, Long::sum));
                }
            }
            h.append("<tr><td class='l'>").append(esc(c.client())).append("</td><td class='l'>").append(esc(c.description()))
                    .append("</td><td class='l'>").append(esc(c.process())).append("</td><td class='l'>").append(esc(String.valueOf(c.pools())))
                    .append("</td><td class='l'>").append(c.server() == null ? "" : esc(String.valueOf(c.server().maxTotal())))
                    .append("</td>").append(c.server() == null ? "<td></td>" : td(c.server().leftoverAfterClose()))
                    .append("<td class='l'>").append(errors.isEmpty() ? "none" : esc(errors.toString())).append("</td></tr>");
        }
        h.append("</table>");
    }

    private static void bars(StringBuilder h, List<ClientResult> clients, Map<String, String> colors, String key, String title,
                             String unit, ToDoubleFunction<SeriesResult> value) {
        List<String> labels = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        List<String> cs = new ArrayList<>();
        for (ClientResult c : clients) {
            SeriesResult s = find(c, key);
            if (s != null) {
                labels.add(c.client());
                values.add(value.applyAsDouble(s));
                cs.add(colors.get(c.client()));
            }
        }
        if (!labels.isEmpty()) {
            h.append(Svg.bars(title, unit, labels, values, cs));
        }
    }

    private static void percentileChart(StringBuilder h, List<ClientResult> clients, Map<String, String> colors, String key) {
        List<Line> lines = new ArrayList<>();
        for (ClientResult c : clients) {
            SeriesResult s = find(c, key);
            if (s == null) {
                continue;
            }
            List<double[]> pts = new ArrayList<>();
            double last = 1;
            for (PercentilePoint p : s.percentiles()) {
                double x = p.percentile() >= 100 ? last * 2 : 1 / (1 - p.percentile() / 100);
                last = x;
                pts.add(new double[]{x, p.ms()});
            }
            lines.add(new Line(c.client(), colors.get(c.client()), pts, false));
        }
        Function<Double, String> pct = HtmlReport::percentileLabel;
        h.append(Svg.lines("latency by percentile: " + key, new Axis("percentile", true, pct::apply), Axis.log("ms (log)"),
                lines, List.of()));
    }

    /** The percentile at {@code x = 1/(1-p)}: 1 is 0%, 10 is 90%, 100 is 99%, 1000 is 99.9%. */
    static String percentileLabel(double x) {
        double p = 100 * (1 - 1 / x);
        if (p <= 0) {
            return "0%";
        }
        int decimals = (int) Math.max(0, Math.min(4, Math.ceil(Math.log10(x)) - 2));
        return String.format(Locale.ROOT, "%." + decimals + "f%%", p);
    }

    private static List<Line> timelineLines(List<ClientResult> clients, Map<String, String> colors, String series,
                                            ToDoubleFunction<TimelinePoint> value) {
        List<Line> lines = new ArrayList<>();
        for (ClientResult c : clients) {
            List<double[]> pts = new ArrayList<>();
            for (TimelinePoint p : c.timeline()) {
                if (p.series().equals(series)) {
                    pts.add(new double[]{p.t(), value.applyAsDouble(p)});
                }
            }
            if (!pts.isEmpty()) {
                lines.add(new Line(c.client(), colors.get(c.client()), pts, false));
            }
        }
        return lines;
    }

    private static List<Line> poolLines(List<PoolPoint> points) {
        Map<String, List<double[]>> acquired = new LinkedHashMap<>();
        Map<String, List<double[]>> idle = new LinkedHashMap<>();
        Map<String, List<double[]>> pending = new LinkedHashMap<>();
        Map<String, List<double[]>> allocated = new LinkedHashMap<>();
        for (PoolPoint p : points) {
            if (p.acquired() != null) {
                acquired.computeIfAbsent(p.pool(), k -> new ArrayList<>()).add(new double[]{p.t(), p.acquired()});
            }
            if (p.idle() != null) {
                idle.computeIfAbsent(p.pool(), k -> new ArrayList<>()).add(new double[]{p.t(), p.idle()});
            }
            if (p.pending() != null) {
                pending.computeIfAbsent(p.pool(), k -> new ArrayList<>()).add(new double[]{p.t(), p.pending()});
            }
            if (p.acquired() == null && p.allocated() != null) {
                allocated.computeIfAbsent(p.pool(), k -> new ArrayList<>()).add(new double[]{p.t(), p.allocated()});
            }
        }
        List<Line> lines = new ArrayList<>();
        int i = 0;
        for (String pool : new LinkedHashSet<>(points.stream().map(PoolPoint::pool).toList())) {
            String color = Svg.color(i++);
            if (acquired.containsKey(pool)) {
                lines.add(new Line(pool + " acquired", color, acquired.get(pool), false));
            }
            if (idle.containsKey(pool)) {
                lines.add(new Line(pool + " idle", color, idle.get(pool), true));
            }
            if (pending.containsKey(pool)) {
                lines.add(new Line(pool + " waiting", Svg.color(i + 5), pending.get(pool), false));
            }
            if (allocated.containsKey(pool)) {
                lines.add(new Line(pool + " open", color, allocated.get(pool), false));
            }
        }
        return lines;
    }

    private static List<Line> serverLines(List<ServerPoint> samples) {
        Map<String, List<double[]>> total = new LinkedHashMap<>();
        Map<String, List<double[]>> active = new LinkedHashMap<>();
        for (ServerPoint p : samples) {
            total.computeIfAbsent(p.applicationName(), k -> new ArrayList<>()).add(new double[]{p.t(), p.total()});
            active.computeIfAbsent(p.applicationName(), k -> new ArrayList<>()).add(new double[]{p.t(), p.active()});
        }
        List<Line> lines = new ArrayList<>();
        int i = 0;
        for (String name : total.keySet()) {
            String color = Svg.color(i++);
            lines.add(new Line(name, color, total.get(name), false));
            lines.add(new Line(name + " active", color, active.get(name), true));
        }
        return lines;
    }

    /** Warm-up spans of the first client, from its timeline (so the rounds of a merged client each show theirs). */
    static List<double[]> warmupSpans(List<ClientResult> clients) {
        List<double[]> spans = new ArrayList<>();
        ClientResult c = clients.stream().filter(x -> !x.timeline().isEmpty()).findFirst().orElse(null);
        if (c == null) {
            return spans;
        }
        Set<String> warmups = new LinkedHashSet<>();
        c.segments().stream().filter(SegmentResult::warmup).forEach(seg -> warmups.add(seg.name()));
        Map<Double, Boolean> ticks = new LinkedHashMap<>();
        c.timeline().forEach(p -> ticks.putIfAbsent(p.t(), warmups.contains(p.segment())));
        double previous = 0;
        double[] open = null;
        for (Map.Entry<Double, Boolean> tick : ticks.entrySet()) {
            if (!tick.getValue()) {
                open = null;
            } else if (open == null) {
                open = new double[]{previous, tick.getKey()};
                spans.add(open);
            } else {
                open[1] = tick.getKey();
            }
            previous = tick.getKey();
        }
        return spans;
    }

    /** {@code segment/series} of every measured series, in first-seen order. */
    private static Set<String> seriesKeys(List<ClientResult> clients) {
        Set<String> keys = new LinkedHashSet<>();
        for (ClientResult c : clients) {
            for (SegmentResult seg : c.segments()) {
                if (!seg.warmup()) {
                    seg.series().forEach(s -> keys.add(seg.name() + "/" + s.series()));
                }
            }
        }
        return keys;
    }

    private static Set<String> seriesNames(List<ClientResult> clients) {
        Set<String> names = new LinkedHashSet<>();
        clients.forEach(c -> c.timeline().forEach(p -> names.add(p.series())));
        return names;
    }

    private static SeriesResult find(ClientResult c, String key) {
        int slash = key.indexOf('/');
        return c.series(key.substring(0, slash), key.substring(slash + 1));
    }

    private static String td(double v) {
        return "<td>" + (v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v)
                : String.format(Locale.ROOT, "%.3f", v)) + "</td>";
    }

    static String esc(String s) {
        if (s == null) {
            return "";
        }
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;").replace("\"", "&quot;");
    }
}
