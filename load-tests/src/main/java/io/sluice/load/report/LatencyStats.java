package io.sluice.load.report;

import org.HdrHistogram.Histogram;

/**
 * Percentiles of one histogram, in milliseconds. Recorded values are microseconds.
 *
 * @param count how many values
 */
public record LatencyStats(long count, double min, double mean, double p50, double p90, double p99, double p999, double max) {

    public static final LatencyStats EMPTY = new LatencyStats(0, 0, 0, 0, 0, 0, 0, 0);

    public static LatencyStats of(Histogram micros) {
        if (micros.getTotalCount() == 0) {
            return EMPTY;
        }
        return new LatencyStats(micros.getTotalCount(), ms(micros.getMinValue()), round(micros.getMean() / 1000.0),
                ms(micros.getValueAtPercentile(50)), ms(micros.getValueAtPercentile(90)),
                ms(micros.getValueAtPercentile(99)), ms(micros.getValueAtPercentile(99.9)), ms(micros.getMaxValue()));
    }

    static double ms(long micros) {
        return round(micros / 1000.0);
    }

    /** Three decimals: microsecond resolution is all a recorded value has. */
    public static double round(double ms) {
        return Math.round(ms * 1000.0) / 1000.0;
    }
}
