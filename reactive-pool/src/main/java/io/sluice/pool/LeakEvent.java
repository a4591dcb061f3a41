package io.sluice.pool;

import io.sluice.Lane;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A connection held past its lane's {@link LaneConfig#leakDetectionThreshold()}: {@link Kind#SUSPECTED}
 * once, when a scan first finds it, and {@link Kind#RELEASED} when it is finally handed back (or discarded),
 * with the whole time it was held. Both carry the same {@code leaseId}.
 *
 * @param kind      suspected or released
 * @param lane      the lane whose connection it is
 * @param leaseId   identifies one lease across its two events
 * @param held      how long it has been held (suspected) or was held in all (released)
 * @param threshold the lane's leak-detection threshold
 * @param acquiredAt where the unit of work that holds it was assembled, the caller's own frame first
 *                  (see {@link io.sluice.spi.CallSite}); empty when it was not captured
 */
public record LeakEvent(Kind kind, Lane lane, long leaseId, Duration held, Duration threshold, List<StackTraceElement> acquiredAt) {

    public LeakEvent {
        acquiredAt = List.copyOf(acquiredAt);
    }

    /** What happened to the suspected connection. */
    public enum Kind {
        /** Held longer than the threshold, reported once per lease. */
        SUSPECTED,
        /** A suspected connection was handed back at last. */
        RELEASED
    }

    /** The caller's frame that acquired it, or null when none was captured. */
    public @Nullable StackTraceElement caller() {
        return acquiredAt.isEmpty() ? null : acquiredAt.get(0);
    }
}
