package io.sluice.pool;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The last {@link #SIZE} admission waits of a lane and when they ended, for the p95 wait that health and
 * alerts read. Recording is two array writes and one atomic increment, no lock: it runs for every unit.
 * Concurrent writers may tear a pair (a wait stamped with its neighbour's time); for a percentile read
 * once a second that is noise, not error. Reading copies and sorts at most {@link #SIZE} values.
 */
final class WaitRing {

    static final int SIZE = 256;

    private final long[] waits = new long[SIZE];
    private final long[] at = new long[SIZE];
    private final AtomicLong next = new AtomicLong();

    void record(long atNanos, long waitNanos) {
        int i = (int) (next.getAndIncrement() & (SIZE - 1));
        waits[i] = waitNanos;
        at[i] = atNanos;
    }

    /**
     * The {@code quantile} (0..1) of the waits recorded within {@code windowNanos} before {@code nowNanos},
     * in nanos; 0 when none was: a lane with no recent work has no wait to report.
     */
    long quantile(double quantile, long nowNanos, long windowNanos) {
        long n = Math.min(next.get(), SIZE);
        long[] recent = new long[(int) n];
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (nowNanos - at[i] <= windowNanos) {
                recent[k++] = waits[i];
            }
        }
        if (k == 0) {
            return 0;
        }
        Arrays.sort(recent, 0, k);
        int index = (int) Math.ceil(quantile * k) - 1;
        return recent[Math.max(0, Math.min(k - 1, index))];
    }
}
