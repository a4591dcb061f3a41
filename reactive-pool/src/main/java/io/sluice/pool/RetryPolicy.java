package io.sluice.pool;

import io.sluice.ConfigurationException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How a lane retries work that failed transiently and is safe to run again
 * ({@link io.sluice.SluiceException#isRetryable()}): exponential backoff with jitter, capped in attempts
 * and in total time; a deadline in the subscription's context also stops it. Immutable.
 *
 * <p>Delay before retry {@code n} (1-based): {@code min(maxBackoff, initialBackoff x 2^(n-1))}, of which
 * a random part up to {@code jitter} (0..1) is taken off, so callers that failed together do not retry
 * together. Default: 6 attempts, 50 ms, 1 s, 5 s in all, jitter 0.5 — enough to ride out a server
 * restart (refuses connections for about 0.3 s) or a burst of killed backends.
 */
public final class RetryPolicy {

    private static final RetryPolicy NONE = new RetryPolicy(1, Duration.ZERO, Duration.ZERO, Duration.ZERO, 0);
    private static final RetryPolicy DEFAULT = new RetryPolicy(6, Duration.ofMillis(50), Duration.ofSeconds(1), Duration.ofSeconds(5), 0.5);

    private final int maxAttempts;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final Duration maxTotal;
    private final double jitter;

    private RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, Duration maxTotal, double jitter) {
        this.maxAttempts = maxAttempts;
        this.initialBackoff = initialBackoff;
        this.maxBackoff = maxBackoff;
        this.maxTotal = maxTotal;
        this.jitter = jitter;
    }

    /** No retries: one attempt. */
    public static RetryPolicy none() {
        return NONE;
    }

    /** 6 attempts, backoff 50 ms doubling up to 1 s, 5 s in all, jitter 0.5. */
    public static RetryPolicy defaults() {
        return DEFAULT;
    }

    /**
     * @param maxAttempts    attempts in all, the first included (at least 1)
     * @param initialBackoff delay before the first retry
     * @param maxBackoff     the longest delay between attempts
     */
    public static RetryPolicy backoff(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
        Check.atLeast("retry maxAttempts", maxAttempts, 1);
        Check.positive("retry initialBackoff", initialBackoff);
        Check.positive("retry maxBackoff", maxBackoff);
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new ConfigurationException("retry maxBackoff", "retry maxBackoff (" + maxBackoff
                    + ") must not be shorter than initialBackoff (" + initialBackoff + ")");
        }
        return new RetryPolicy(maxAttempts, initialBackoff, maxBackoff, Duration.ofSeconds(5), 0.5);
    }

    /** The most time from the first attempt's start after which no retry starts. */
    public RetryPolicy maxTotal(Duration total) {
        return new RetryPolicy(maxAttempts, initialBackoff, maxBackoff, Check.positive("retry maxTotal", total), jitter);
    }

    /** The share (0..1) of each delay that is random. */
    public RetryPolicy jitter(double jitter) {
        if (!(jitter >= 0 && jitter <= 1)) {
            throw new ConfigurationException("retry jitter", "retry jitter must be between 0 and 1, was " + jitter);
        }
        return new RetryPolicy(maxAttempts, initialBackoff, maxBackoff, maxTotal, jitter);
    }

    public int maxAttempts() {
        return maxAttempts;
    }

    public Duration initialBackoff() {
        return initialBackoff;
    }

    public Duration maxBackoff() {
        return maxBackoff;
    }

    public Duration maxTotal() {
        return maxTotal;
    }

    public double jitter() {
        return jitter;
    }

    /** The delay before retry {@code n} (1-based), before jitter. */
    Duration backoff(long n) {
        long base = initialBackoff.toNanos();
        long nanos = n >= 62 ? Long.MAX_VALUE : base << Math.min(62, n - 1);
        if (nanos <= 0 || nanos / Math.max(1, base) < (1L << Math.min(62, n - 1))) {
            nanos = Long.MAX_VALUE;
        }
        return Duration.ofNanos(Math.min(nanos, maxBackoff.toNanos()));
    }

    /** The delay before retry {@code n}, with jitter. */
    Duration delay(long n) {
        long d = backoff(n).toNanos();
        long off = (long) (d * jitter * ThreadLocalRandom.current().nextDouble());
        return Duration.ofNanos(d - off);
    }

    @Override
    public String toString() {
        return maxAttempts <= 1 ? "RetryPolicy[none]" : "RetryPolicy[" + maxAttempts + " attempts, " + initialBackoff.toMillis()
                + ".." + maxBackoff.toMillis() + " ms, " + maxTotal.toMillis() + " ms in all, jitter " + jitter + "]";
    }
}
