package io.sluice.pool;

/**
 * An adaptive limit after Netflix concurrency-limits' Gradient2: it compares the latency of recent work
 * with a long-term baseline and shrinks admission when work gets slower, so a slowing database lowers
 * admission instead of growing queues; it grows back when latency recovers.
 *
 * <pre>
 * shortRtt  = the latest sample's latency
 * longRtt   = exponential average of latency over about {@code longWindow} samples
 *             (when longRtt &gt; 2 x shortRtt it is pulled down 5% per sample, so a recovered database
 *             is recognised quickly)
 * gradient  = clamp(tolerance x longRtt / shortRtt, 0.5, 1.0)
 * queue     = sqrt(limit)                          -- headroom that lets the limit probe upwards
 * newLimit  = limit x gradient + queue
 * limit     = clamp(limit x (1 - smoothing) + newLimit x smoothing, min, max)
 * </pre>
 * A sample from work that failed for an overload reason (timeout, no connection) counts as a gradient
 * of 0.5 with no queue headroom, so it always shrinks the limit (with the headroom, limits under 4 grew on
 * drops). When less than half the limit is in use, the limit does not grow (the lane is not the
 * bottleneck, so latency says nothing about more concurrency).
 */
final class Gradient2Limit implements Limit {

    private final int min;
    private final int max;
    private final double tolerance;
    private final double smoothing;
    private final double longDecay;

    private double estimated;
    private double longRtt = -1;

    Gradient2Limit(int initial, int min, int max) {
        this(initial, min, max, 1.5, 0.2, 600);
    }

    Gradient2Limit(int initial, int min, int max, double tolerance, double smoothing, int longWindow) {
        this.min = min;
        this.max = max;
        this.tolerance = tolerance;
        this.smoothing = smoothing;
        this.longDecay = 2.0 / (longWindow + 1);
        this.estimated = Math.max(min, Math.min(max, initial));
    }

    @Override
    public synchronized int limit() {
        return (int) estimated;
    }

    @Override
    public synchronized void onSample(long rttNanos, int inFlight, boolean dropped) {
        double shortRtt = Math.max(1, rttNanos);
        if (longRtt < 0) {
            longRtt = shortRtt;
        }
        longRtt = longRtt * (1 - longDecay) + shortRtt * longDecay;
        if (longRtt / shortRtt > 2) {
            longRtt *= 0.95;
        }
        if (!dropped && inFlight < estimated / 2) {
            return;
        }
        double gradient = dropped ? 0.5 : Math.max(0.5, Math.min(1.0, tolerance * longRtt / shortRtt));
        double queue = dropped ? 0 : Math.sqrt(estimated);
        double next = estimated * gradient + queue;
        next = estimated * (1 - smoothing) + next * smoothing;
        estimated = Math.max(min, Math.min(max, next));
    }

    synchronized double longRttNanos() {
        return longRtt;
    }

    @Override
    public String toString() {
        return "gradient2(" + limit() + " in [" + min + ", " + max + "])";
    }
}
