package io.sluice.pool;

import org.jspecify.annotations.Nullable;

/**
 * New sizes for a running lane ({@link Lanes#resize(io.sluice.Lane, LaneResize)}): any of its pool's
 * maximum size, its admission limit and its queue length ({@code maxPendingAcquires}); what is not set
 * stays. An admission limit left unset follows the new maximum size when it was equal to the old one (the
 * default, admission limit = maxSize). Immutable; each setter returns a new value.
 *
 * <pre>{@code lanes.resize(Lane.BACKGROUND, LaneResize.maxSize(8).maxQueue(32)).block();}</pre>
 */
public final class LaneResize {

    private final @Nullable Integer maxSize;
    private final @Nullable Integer admissionLimit;
    private final @Nullable Integer maxQueue;

    private LaneResize(@Nullable Integer maxSize, @Nullable Integer admissionLimit, @Nullable Integer maxQueue) {
        this.maxSize = maxSize;
        this.admissionLimit = admissionLimit;
        this.maxQueue = maxQueue;
    }

    /** Changes nothing yet. */
    public static LaneResize sizes() {
        return new LaneResize(null, null, null);
    }

    /** A new pool maximum; at least 1 and not below the lane's minIdle. */
    public static LaneResize maxSize(int connections) {
        return sizes().withMaxSize(connections);
    }

    public LaneResize withMaxSize(int connections) {
        return new LaneResize(Check.atLeast("maxSize", connections, 1), admissionLimit, maxQueue);
    }

    /** A new admission limit (units in flight at once), at least 1; only for a lane with a fixed limit. */
    public LaneResize admissionLimit(int units) {
        return new LaneResize(maxSize, Check.atLeast("admissionLimit", units, 1), maxQueue);
    }

    /** A new queue length (units waiting for admission), at least 0; waiters beyond it stay queued. */
    public LaneResize maxQueue(int units) {
        return new LaneResize(maxSize, admissionLimit, Check.atLeast("maxQueue", units, 0));
    }

    public @Nullable Integer maxSize() {
        return maxSize;
    }

    public @Nullable Integer admissionLimit() {
        return admissionLimit;
    }

    public @Nullable Integer maxQueue() {
        return maxQueue;
    }

    @Override
    public String toString() {
        return "LaneResize[maxSize=" + maxSize + ", admissionLimit=" + admissionLimit + ", maxQueue=" + maxQueue + "]";
    }
}
