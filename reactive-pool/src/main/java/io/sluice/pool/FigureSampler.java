package io.sluice.pool;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.sluice.PoolSnapshot;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Reads one lane's {@link LaneFigures}: live counts from its gate, pool and breaker, rates from the
 * counters' change since the last {@link #advance} (one per monitor tick), server figures from the last
 * probe.
 */
final class FigureSampler {

    /** Waits older than this do not count in the p95: a lane idle for an hour has no wait to report. */
    static final long WAIT_WINDOW_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final PooledLane lane;
    private long lastAtMillis = Long.MIN_VALUE;
    private long lastRejected;
    private long lastTimeouts;
    private volatile double rejectionsPerSecond;
    private volatile double timeoutsPerSecond;

    FigureSampler(PooledLane lane) {
        this.lane = lane;
    }

    PooledLane lane() {
        return lane;
    }

    /** Moves the rate baseline to now; called once per tick, from the tick only. */
    synchronized void advance(long nowMillis) {
        long rejected = lane.gate().rejected.sum();
        long timeouts = lane.gate().queueTimeouts.sum();
        if (lastAtMillis != Long.MIN_VALUE && nowMillis > lastAtMillis) {
            double seconds = (nowMillis - lastAtMillis) / 1000.0;
            rejectionsPerSecond = (rejected - lastRejected) / seconds;
            timeoutsPerSecond = (timeouts - lastTimeouts) / seconds;
        }
        lastAtMillis = nowMillis;
        lastRejected = rejected;
        lastTimeouts = timeouts;
    }

    LaneFigures sample(@Nullable ServerHealth server) {
        AdmissionGate gate = lane.gate();
        PoolSnapshot pool = lane.pool().snapshot();
        int inFlight = gate.inFlight();
        int limit = gate.effectiveLimit();
        double utilisation = Math.max(limit == 0 ? 0 : (double) inFlight / limit,
                pool.maxSize() == 0 ? 0 : (double) pool.acquired() / pool.maxSize());
        CircuitBreaker breaker = lane.breaker();
        double p95 = gate.waits.quantile(0.95, System.nanoTime(), WAIT_WINDOW_NANOS) / 1e6;
        boolean known = server != null && server.reachable();
        return new LaneFigures(lane.lane().name(), inFlight, gate.queued(), limit, gate.maxQueue(), utilisation,
                pool.acquired(), pool.idle(), pool.allocated(), pool.maxSize(),
                breaker == null ? "NONE" : breaker.getState().name(), gate.yieldFactor(), p95,
                rejectionsPerSecond, timeoutsPerSecond,
                known ? server.connections() : -1, known ? server.connectionLimit() : -1,
                known ? server.utilisation() : -1);
    }
}
