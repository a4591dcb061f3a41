package io.sluice.pool;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Judges one lane from its figures: DOWN while its breaker is open or no connection can be made, DEGRADED
 * while its breaker is half-open, it yields to a higher-priority lane, it has stayed saturated for the
 * policy's duration, or one of its standbys is out of rotation. Remembers since when each lane has been saturated: {@link #observe} is called on every
 * monitor tick and every check, so "for a while" is measured, not guessed from one sample.
 */
final class HealthCheck {

    private final HealthPolicy policy;
    private final PooledLane lane;
    /** Since when (scheduler millis) the lane has been saturated, or MIN_VALUE. */
    private long saturatedSince = Long.MIN_VALUE;

    HealthCheck(PooledLane lane, HealthPolicy policy) {
        this.lane = lane;
        this.policy = policy;
    }

    private boolean saturated(LaneFigures f) {
        return f.utilisation() >= policy.laneUtilisation() || f.waiting() >= policy.laneWaiting();
    }

    /** Notes whether the lane is saturated now. */
    synchronized void observe(LaneFigures f, long nowMillis) {
        if (!saturated(f)) {
            saturatedSince = Long.MIN_VALUE;
        } else if (saturatedSince == Long.MIN_VALUE) {
            saturatedSince = nowMillis;
        }
    }

    synchronized LaneHealth judge(LaneFigures f, long nowMillis) {
        observe(f, nowMillis);
        List<String> reasons = new ArrayList<>();
        HealthStatus status = HealthStatus.UP;
        CircuitBreaker breaker = lane.breaker();
        if (breaker != null) {
            CircuitBreaker.State state = breaker.getState();
            if (state == CircuitBreaker.State.OPEN || state == CircuitBreaker.State.FORCED_OPEN) {
                status = HealthStatus.DOWN;
                reasons.add(String.format("circuit breaker %s: work fails at once (failure rate %.0f%% of the last calls)",
                        state.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '), breaker.getMetrics().getFailureRate()));
            } else if (state == CircuitBreaker.State.HALF_OPEN) {
                status = HealthStatus.DEGRADED;
                reasons.add("circuit breaker half-open: trying the database again with a few calls");
            }
        }
        LaneConnections.Failure failure = lane.pool().lastConnectFailure();
        if (failure != null && cannotConnect(lane, f.connectionsOpen())) {
            status = HealthStatus.DOWN;
            long ago = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - failure.atNanos());
            reasons.add("no connection can be made: none is open and the last attempt failed " + ago + " s ago ("
                    + describe(failure.error()) + ")");
        }
        if (f.yieldFactor() < 1) {
            status = status.worst(HealthStatus.DEGRADED);
            reasons.add(String.format("yielding to a higher-priority lane: admission limit at %.0f%% (%d)",
                    f.yieldFactor() * 100, f.limit()));
        }
        if (saturatedSince != Long.MIN_VALUE && nowMillis - saturatedSince >= policy.sustainedFor().toMillis()) {
            status = status.worst(HealthStatus.DEGRADED);
            reasons.add(String.format("saturated for %s: %d in flight of limit %d, %d waiting, %d of %d connections used "
                            + "(thresholds: utilisation %.0f%%, %d waiting)",
                    human(Duration.ofMillis(nowMillis - saturatedSince)), f.inFlight(), f.limit(), f.waiting(),
                    f.connectionsUsed(), f.maxSize(), policy.laneUtilisation() * 100, policy.laneWaiting()));
        }
        ReplicaRouter router = lane.router();
        if (router != null) {
            status = standbys(router, status, reasons);
        }
        return new LaneHealth(f.lane(), status, reasons, f);
    }

    /** A lane that reads from standbys is DEGRADED while one is out of rotation: its reads fall on fewer servers. */
    private static HealthStatus standbys(ReplicaRouter router, HealthStatus status, List<String> reasons) {
        boolean anyIn = router.standbys().stream().anyMatch(Standby::inRotation);
        for (Standby s : router.standbys()) {
            ReplicaStatus r = s.status();
            if (r.state() != ReplicaStatus.State.UP) {
                status = status.worst(HealthStatus.DEGRADED);
                reasons.add("standby " + r.server() + " out of rotation (" + r.state() + ": " + r.reason() + "); reads go to "
                        + (anyIn ? "the other standbys" : "the primary"));
            }
        }
        return status;
    }

    /**
     * Whether no connection of the lane is open and its last attempt to open one failed (after its last
     * success). {@link Monitor} then tries to open one per probe interval, so a lane that nothing uses does
     * not stay DOWN after the server is back.
     */
    static boolean cannotConnect(PooledLane lane, int open) {
        LaneConnections.Failure failure = lane.pool().lastConnectFailure();
        long connected = lane.pool().lastConnectedNanos();
        return failure != null && open == 0 && (connected == 0 || failure.atNanos() - connected > 0);
    }

    private static String describe(@Nullable Throwable e) {
        if (e == null) {
            return "unknown";
        }
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    static String human(Duration d) {
        long ms = d.toMillis();
        return ms < 10_000 ? String.format("%.1f s", ms / 1000.0) : (ms / 1000) + " s";
    }
}
