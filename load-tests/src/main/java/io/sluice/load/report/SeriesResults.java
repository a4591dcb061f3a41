package io.sluice.load.report;

import io.sluice.load.measure.Outcome;
import io.sluice.load.measure.SeriesStats;
import io.sluice.load.measure.SteadyState;
import io.sluice.load.report.Model.Outcomes;
import io.sluice.load.report.Model.PercentilePoint;
import io.sluice.load.report.Model.SeriesResult;
import io.sluice.load.report.Model.TimelinePoint;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.Deflater;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/** Turns recorded histograms and counts into the report's figures. */
public final class SeriesResults {

    private SeriesResults() {
    }

    /**
     * One series of one measured segment.
     *
     * @param timeline the series' timeline points within the segment, for the steady-state check
     */
    public static SeriesResult of(SeriesStats s, String load, boolean closedLoop, double seconds, List<TimelinePoint> timeline) {
        Map<String, Histogram> byOutcome = new LinkedHashMap<>();
        for (Outcome o : Outcome.values()) {
            byOutcome.put(o.key(), s.histogram(o));
        }
        Outcomes outcomes = new Outcomes(s.count(Outcome.SUCCESS), s.count(Outcome.REJECTED), s.count(Outcome.TIMEOUT),
                s.count(Outcome.ERROR), s.retries(), s.unfinished());
        return of(s.series(), s.lane(), load, seconds, outcomes, s.errorsByType(), byOutcome,
                SteadyState.judge(timeline, closedLoop));
    }

    public static SeriesResult of(String series, String lane, String load, double seconds, Outcomes outcomes,
                                  Map<String, Long> errorsByType, Map<String, Histogram> byOutcome,
                                  Model.Steadiness steadiness) {
        Map<String, LatencyStats> latency = new LinkedHashMap<>();
        Map<String, String> hdr = new LinkedHashMap<>();
        Histogram success = byOutcome.get("success");
        for (Map.Entry<String, Histogram> e : byOutcome.entrySet()) {
            if (e.getKey().equals("success") || e.getValue().getTotalCount() > 0) {
                latency.put(e.getKey(), LatencyStats.of(e.getValue()));
            }
            if (e.getValue().getTotalCount() > 0) {
                hdr.put(e.getKey(), encode(e.getValue()));
            }
        }
        double secs = Math.max(1e-9, seconds);
        long attempted = outcomes.success() + outcomes.failures();
        double throughput = round1(outcomes.success() / secs);
        return new SeriesResult(series, lane, load, throughput, round1(attempted / secs), outcomes,
                errorsByType, latency, percentiles(success), hdr, steadiness, List.of(throughput), null);
    }

    /**
     * One timeline point: the successes of an interval ({@code ok}, in microseconds) and its failures, over
     * {@code seconds}.
     */
    public static Model.TimelinePoint point(double t, String segment, String series, Histogram ok, long failures,
                                            double seconds) {
        boolean any = ok.getTotalCount() > 0;
        return new Model.TimelinePoint(LatencyStats.round(t), segment, series, ok.getTotalCount(), failures,
                round1(ok.getTotalCount() / Math.max(1e-9, seconds)),
                any ? ms(ok.getValueAtPercentile(50)) : null, any ? ms(ok.getValueAtPercentile(90)) : null,
                any ? ms(ok.getValueAtPercentile(99)) : null, any ? ms(ok.getMaxValue()) : null);
    }

    private static Double ms(long micros) {
        return LatencyStats.round(micros / 1000.0);
    }

    /** The latency percentile curve, five points per halving of the remaining tail, up to the maximum. */
    public static List<PercentilePoint> percentiles(Histogram h) {
        List<PercentilePoint> out = new ArrayList<>();
        if (h.getTotalCount() == 0) {
            return out;
        }
        for (HistogramIterationValue v : h.percentiles(5)) {
            double p = Math.min(100.0, v.getPercentileLevelIteratedTo());
            out.add(new PercentilePoint(Math.round(p * 10000) / 10000.0, LatencyStats.round(v.getValueIteratedTo() / 1000.0)));
            if (p >= 100.0) {
                break;
            }
        }
        return out;
    }

    /** HdrHistogram's compressed form, base64: decode with {@code Histogram.decodeFromCompressedByteBuffer}. */
    public static String encode(Histogram h) {
        ByteBuffer buf = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        int n = h.encodeIntoCompressedByteBuffer(buf, Deflater.BEST_COMPRESSION);
        byte[] bytes = new byte[n];
        buf.flip();
        buf.get(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }

    public static Histogram decode(String base64) {
        try {
            return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(base64)), 0);
        } catch (java.util.zip.DataFormatException e) {
            throw new IllegalArgumentException("not an encoded HdrHistogram: " + e.getMessage(), e);
        }
    }

    static double round1(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
