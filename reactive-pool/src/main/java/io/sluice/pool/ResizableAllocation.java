package io.sluice.pool;

import java.util.concurrent.atomic.AtomicInteger;
import reactor.pool.AllocationStrategy;

/**
 * reactor-pool's size bounds, with a maximum that may change while the pool runs ({@link #maxSize(int)}).
 * Growing lets the pool open more connections at once; shrinking grants no new permit until the
 * connections above the new maximum are gone. Closing those is the pool's eviction predicate's job
 * ({@link #claimSurplus()}): idle ones at the next sweep, busy ones when they are handed back, so work in
 * flight is never failed by a shrink.
 */
final class ResizableAllocation implements AllocationStrategy {

    private final int min;
    private volatile int max;
    /** Permits granted (connections open or being opened). */
    private final AtomicInteger granted = new AtomicInteger();
    /** Connections picked for closing as surplus and not yet destroyed. */
    private final AtomicInteger surplusClaims = new AtomicInteger();

    ResizableAllocation(int min, int max) {
        this.min = min;
        this.max = max;
    }

    void maxSize(int newMax) {
        this.max = newMax;
    }

    /**
     * Whether one more connection must go to bring the pool down to its maximum; true claims it (call
     * {@link #surplusDestroyed()} once it is destroyed).
     */
    boolean claimSurplus() {
        while (true) {
            int claims = surplusClaims.get();
            if (granted.get() - claims <= max) {
                return false;
            }
            if (surplusClaims.compareAndSet(claims, claims + 1)) {
                return true;
            }
        }
    }

    void surplusDestroyed() {
        surplusClaims.updateAndGet(n -> Math.max(0, n - 1));
    }

    @Override
    public int estimatePermitCount() {
        return Math.max(0, max - granted.get());
    }

    @Override
    public int getPermits(int desired) {
        if (desired < 0) {
            return 0;
        }
        while (true) {
            int p = granted.get();
            int target = Math.min(max, Math.max(min, p + desired));
            int grant = target - p;
            if (grant <= 0) {
                return 0;
            }
            if (granted.compareAndSet(p, target)) {
                return grant;
            }
        }
    }

    @Override
    public int permitGranted() {
        return granted.get();
    }

    @Override
    public int permitMinimum() {
        return min;
    }

    @Override
    public int permitMaximum() {
        return max;
    }

    @Override
    public void returnPermits(int returned) {
        granted.updateAndGet(n -> Math.max(0, n - returned));
    }
}
