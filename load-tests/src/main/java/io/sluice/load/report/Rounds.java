package io.sluice.load.report;

import io.sluice.load.report.Model.ClientResult;
import io.sluice.load.report.Model.Outcomes;
import io.sluice.load.report.Model.PoolPoint;
import io.sluice.load.report.Model.SegmentResult;
import io.sluice.load.report.Model.SeriesResult;
import io.sluice.load.report.Model.ServerConnections;
import io.sluice.load.report.Model.ServerPoint;
import io.sluice.load.report.Model.Steadiness;
import io.sluice.load.report.Model.TimelinePoint;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.HdrHistogram.Histogram;

/**
 * Merges the rounds of one client (with {@code --rounds N} the clients run in turn N times, so that
 * whatever else loads the machine falls on all of them alike) into one result: counts, CPU time and
 * allocated bytes are added, histograms merged, rates divided by the total measured time, and each round's
 * throughput kept in {@code roundThroughput}; the warm-up time is the slowest round's. Timelines are laid
 * end to end.
 */
public final class Rounds {

    private Rounds() {
    }

    public static ClientResult merge(List<ClientResult> rounds) {
        List<ClientResult> ok = rounds.stream().filter(r -> r.error() == null).toList();
        if (rounds.size() == 1 || ok.isEmpty()) {
            return rounds.get(0);
        }
        List<String> warnings = new ArrayList<>();
        for (int i = 0; i < rounds.size(); i++) {
            int round = i + 1;
            rounds.get(i).warnings().forEach(w -> warnings.add("round " + round + ": " + w));
            if (rounds.get(i).error() != null) {
                warnings.add("round " + round + " failed: " + rounds.get(i).error());
            }
        }
        ClientResult first = ok.get(0);
        List<SegmentResult> segments = new ArrayList<>();
        for (SegmentResult s : first.segments()) {
            List<SegmentResult> same = ok.stream().map(r -> segment(r, s.name())).filter(x -> x != null).toList();
            segments.add(segment(same));
        }
        List<TimelinePoint> timeline = new ArrayList<>();
        List<PoolPoint> pools = new ArrayList<>();
        List<ServerPoint> server = new ArrayList<>();
        Map<String, Integer> maxTotal = new TreeMap<>();
        Map<String, Integer> maxActive = new TreeMap<>();
        int leftover = 0;
        double offset = 0;
        for (ClientResult r : ok) {
            double o = offset;
            r.timeline().forEach(p -> timeline.add(new TimelinePoint(p.t() + o, p.segment(), p.series(), p.successes(),
                    p.failures(), p.rate(), p.p50(), p.p90(), p.p99(), p.max())));
            r.poolTimeline().forEach(p -> pools.add(new PoolPoint(p.t() + o, p.pool(), p.maxSize(), p.allocated(), p.acquired(),
                    p.acquiredMax(), p.idle(), p.pending(), p.pendingMax())));
            if (r.server() != null) {
                r.server().samples().forEach(p -> server.add(new ServerPoint(p.t() + o, p.applicationName(), p.total(), p.active())));
                r.server().maxTotal().forEach((k, v) -> maxTotal.merge(k, v, Math::max));
                r.server().maxActive().forEach((k, v) -> maxActive.merge(k, v, Math::max));
                leftover = Math.max(leftover, r.server().leftoverAfterClose());
            }
            offset += r.timeline().stream().mapToDouble(TimelinePoint::t).max().orElse(0) + 1;
        }
        return new ClientResult(first.client(), first.role(), first.description(),
                ok.size() + " rounds: " + String.join("; ", ok.stream().map(ClientResult::process).toList()),
                first.javaVersion(), first.pools(), segments, timeline, pools,
                new ServerConnections(server, maxTotal, maxActive, leftover), warnings, null);
    }

    private static SegmentResult segment(ClientResult r, String name) {
        return r.segments().stream().filter(s -> s.name().equals(name)).findFirst().orElse(null);
    }

    /**
     * Merges the blocks of a phase that a scenario repeats ({@code idle#1}, {@code idle#2}, ... and their
     * {@code -warmup} segments) into one segment each ({@code idle}, {@code idle-warmup}), in the order they
     * first appear. Other segments pass through.
     */
    public static List<SegmentResult> mergeBlocks(List<SegmentResult> segments) {
        Map<String, List<SegmentResult>> byName = new LinkedHashMap<>();
        for (SegmentResult s : segments) {
            byName.computeIfAbsent(blockOf(s.name()), n -> new ArrayList<>()).add(s);
        }
        List<SegmentResult> out = new ArrayList<>();
        byName.forEach((name, same) -> {
            SegmentResult merged = same.size() == 1 ? same.get(0) : segment(same);
            out.add(merged.name().equals(name) ? merged : renamed(merged, name));
        });
        return out;
    }

    /** {@code idle#2} and {@code idle#2-warmup} belong to {@code idle} and {@code idle-warmup}. */
    static String blockOf(String segment) {
        int hash = segment.indexOf('#');
        if (hash < 0) {
            return segment;
        }
        int end = hash + 1;
        while (end < segment.length() && Character.isDigit(segment.charAt(end))) {
            end++;
        }
        return segment.substring(0, hash) + segment.substring(end);
    }

    private static SegmentResult renamed(SegmentResult s, String name) {
        return new SegmentResult(name, s.warmup(), s.startSec(), s.durationSec(), s.clientCpuSec(), s.cpuMicrosPerOp(),
                s.clientAllocBytes(), s.allocBytesPerOp(), s.machineCpuPct(), s.otherCpuPct(), s.stealCpuPct(), s.series());
    }

    private static SegmentResult segment(List<SegmentResult> same) {
        SegmentResult first = same.get(0);
        double seconds = same.stream().mapToDouble(SegmentResult::durationSec).sum();
        Double cpu = sum(same, SegmentResult::clientCpuSec);
        Double alloc = sum(same, x -> x.clientAllocBytes() == null ? null : x.clientAllocBytes().doubleValue());
        List<SeriesResult> series = new ArrayList<>();
        long finished = 0;
        for (SeriesResult s : first.series()) {
            List<SeriesResult> all = same.stream().map(x -> x.series().stream()
                    .filter(y -> y.series().equals(s.series())).findFirst().orElse(null)).filter(x -> x != null).toList();
            SeriesResult merged = series(all, seconds);
            finished += merged.outcomes().success() + merged.outcomes().failures();
            series.add(merged);
        }
        Double perOp = cpu == null || finished == 0 ? null : LatencyStats.round(cpu * 1e6 / finished);
        Double allocPerOp = alloc == null || finished == 0 ? null : (double) Math.round(alloc / finished);
        return new SegmentResult(first.name(), first.warmup(), first.startSec(), LatencyStats.round(seconds),
                cpu == null ? null : LatencyStats.round(cpu), perOp, alloc == null ? null : alloc.longValue(), allocPerOp,
                weighted(same, SegmentResult::machineCpuPct),
                weighted(same, SegmentResult::otherCpuPct), weighted(same, SegmentResult::stealCpuPct), series);
    }

    private static SeriesResult series(List<SeriesResult> all, double seconds) {
        SeriesResult first = all.get(0);
        long[] o = new long[6];
        Map<String, Long> errors = new TreeMap<>();
        Map<String, Histogram> histograms = new LinkedHashMap<>();
        histograms.put("success", new Histogram(1, io.sluice.load.measure.SeriesStats.MAX_MICROS, 3));
        List<Double> perRound = new ArrayList<>();
        Steadiness steadiness = first.steadiness();
        Double warmup = 0.0;
        for (SeriesResult s : all) {
            // the slowest round's (or block's) warm-up; unknown when any is
            warmup = warmup == null || s.warmupTo90PctSeconds() == null ? null : Math.max(warmup, s.warmupTo90PctSeconds());
            Outcomes x = s.outcomes();
            o[0] += x.success();
            o[1] += x.rejected();
            o[2] += x.timeout();
            o[3] += x.error();
            o[4] += x.retries();
            o[5] += x.unfinished();
            s.errorsByType().forEach((k, v) -> errors.merge(k, v, Long::sum));
            s.hdr().forEach((k, v) -> histograms.computeIfAbsent(k, n -> new Histogram(1, io.sluice.load.measure.SeriesStats.MAX_MICROS, 3))
                    .add(SeriesResults.decode(v)));
            perRound.addAll(s.roundThroughput());
            if (!s.steadiness().steady() && steadiness.steady()) {
                steadiness = s.steadiness();
            }
        }
        SeriesResult merged = SeriesResults.of(first.series(), first.lane(), first.load(), seconds,
                new Outcomes(o[0], o[1], o[2], o[3], o[4], o[5]), errors, histograms, steadiness);
        return new SeriesResult(merged.series(), merged.lane(), merged.load(), merged.throughput(), merged.attemptedRate(),
                merged.outcomes(), merged.errorsByType(), merged.latencyMs(), merged.percentiles(), merged.hdr(),
                merged.steadiness(), List.copyOf(perRound), warmup);
    }

    private static Double sum(List<SegmentResult> same, Function<SegmentResult, Double> f) {
        double total = 0;
        for (SegmentResult s : same) {
            Double v = f.apply(s);
            if (v == null) {
                return null;
            }
            total += v;
        }
        return total;
    }

    /** The duration-weighted mean of a percentage. */
    private static Double weighted(List<SegmentResult> same, Function<SegmentResult, Double> f) {
        double total = 0;
        double seconds = 0;
        for (SegmentResult s : same) {
            Double v = f.apply(s);
            if (v == null) {
                return null;
            }
            total += v * s.durationSec();
            seconds += s.durationSec();
        }
        return seconds == 0 ? null : Math.round(total / seconds * 10) / 10.0;
    }
}
