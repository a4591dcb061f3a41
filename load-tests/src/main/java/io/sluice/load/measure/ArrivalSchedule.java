package io.sluice.load.measure;

/**
 * Intended send times of open-loop load at a fixed rate: the i-th unit of work is due at
 * {@code start + i / rate}, whatever happened to the ones before it. Computed from the index rather than
 * accumulated, so rounding never drifts the rate.
 */
public final class ArrivalSchedule {

    private final long startNanos;
    private final double nanosPerArrival;

    public ArrivalSchedule(long startNanos, double ratePerSecond) {
        if (!(ratePerSecond > 0) || Double.isInfinite(ratePerSecond)) {
            throw new IllegalArgumentException("rate must be a positive number of operations per second, was " + ratePerSecond);
        }
        this.startNanos = startNanos;
        this.nanosPerArrival = 1e9 / ratePerSecond;
    }

    /** When the {@code index}-th arrival (from 0) is due. */
    public long at(long index) {
        return startNanos + (long) Math.floor(index * nanosPerArrival);
    }

    /** How many arrivals are due at or before {@code nanos}. */
    public long dueBy(long nanos) {
        if (nanos < startNanos) {
            return 0;
        }
        return (long) Math.floor((nanos - startNanos) / nanosPerArrival) + 1;
    }
}
