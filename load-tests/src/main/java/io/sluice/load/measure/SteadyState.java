package io.sluice.load.measure;

import io.sluice.load.report.LatencyStats;
import io.sluice.load.report.Model.Steadiness;
import io.sluice.load.report.Model.TimelinePoint;
import java.util.ArrayList;
import java.util.List;

/**
 * Judges whether a measured segment was at steady state, from its timeline. R2DBC stacks keep getting
 * faster for tens of seconds while the JIT compiles them; a measurement taken before that is over says
 * more about the warm-up than about the client.
 *
 * <p>Closed loop: compares the mean rate of the segment's last third with its first third; more than
 * {@value #CLIMB_PCT}% higher means the rate was still climbing. Open loop (the rate is fixed): compares
 * median latency; more than {@value #FALL_PCT}% lower at the end means latency was still falling. The
 * first interval, which straddles the segment boundary, is left out.
 */
public final class SteadyState {

    public static final double CLIMB_PCT = 5.0;
    /** The share of the steady rate that counts as warmed up. */
    public static final double WARM_FRACTION = 0.9;
    public static final double FALL_PCT = 20.0;
    static final int MIN_POINTS = 6;

    private SteadyState() {
    }

    public static Steadiness judge(List<TimelinePoint> points, boolean closedLoop) {
        List<Double> values = new ArrayList<>();
        for (int i = 1; i < points.size(); i++) {
            TimelinePoint p = points.get(i);
            Double v = closedLoop ? Double.valueOf(p.rate()) : p.p50();
            if (v != null) {
                values.add(v);
            }
        }
        String metric = closedLoop ? "throughput" : "p50";
        if (values.size() < MIN_POINTS) {
            return new Steadiness(metric, 0, 0, 0, true, "too few samples (" + values.size() + ") to judge; measure longer");
        }
        int third = values.size() / 3;
        double first = mean(values.subList(0, third));
        double last = mean(values.subList(values.size() - third, values.size()));
        double change = first == 0 ? 0 : (last - first) / first * 100.0;
        change = Math.round(change * 10) / 10.0;
        boolean steady;
        String note;
        if (closedLoop) {
            steady = change <= CLIMB_PCT;
            note = steady ? (change < -CLIMB_PCT ? "throughput fell by " + (-change) + "% during measurement" : "steady")
                    : "throughput was still climbing (+" + change + "% from the first to the last third): lengthen --warmup";
        } else {
            steady = change >= -FALL_PCT;
            note = steady ? "steady"
                    : "latency was still falling (" + change + "% from the first to the last third): lengthen --warmup";
        }
        return new Steadiness(metric, LatencyStats.round(first), LatencyStats.round(last), change, steady, note);
    }

    /**
     * How long a closed loop took to warm up: the seconds from {@code loadStartSec} (the start of its
     * warm-up) to the end of the first timeline interval whose rate reached {@value #WARM_FRACTION} of
     * {@code steady} (the measured segment's mean rate). Resolution: the sampling interval. Null when
     * never reached or {@code steady} is zero.
     *
     * @param points the series' timeline over the warm-up and the measurement, in time order
     */
    public static Double warmupSeconds(List<TimelinePoint> points, double loadStartSec, double steady) {
        if (steady <= 0) {
            return null;
        }
        for (TimelinePoint p : points) {
            if (p.t() > loadStartSec && p.rate() >= WARM_FRACTION * steady) {
                return LatencyStats.round(p.t() - loadStartSec);
            }
        }
        return null;
    }

    private static double mean(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).average().orElse(0);
    }
}
