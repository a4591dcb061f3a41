package io.sluice.pool;

/**
 * Every meter Sluice registers, in one place. One name per concept, split by low-cardinality tags:
 * {@code lane} always, plus the tags named here.
 */
public final class SluiceMeters {

    private SluiceMeters() {
    }

    /** Counter: units of work admitted by a lane's gate. */
    public static final String ADMITTED = "sluice.lane.admitted";
    /**
     * Counter: units refused; tag {@code reason}: {@code overloaded} (rejected at once), {@code queue_timeout}
     * (waited the acquire timeout for admission), {@code deadline} (the caller's deadline passed while it
     * waited), {@code circuit_open}. The first three are function counters over the gate's own counts: read
     * them with {@code registry.find(REJECTED).tag("reason", r).functionCounter()}, not {@code registry.counter(..)}.
     */
    public static final String REJECTED = "sluice.lane.rejected";
    /** Gauge: units of work in flight. */
    public static final String IN_FLIGHT = "sluice.lane.in.flight";
    /** Gauge: units waiting for admission. */
    public static final String QUEUED = "sluice.lane.queued";
    /** Gauge: the admission limit now (adaptive limits move; yielding to a higher lane lowers it). */
    public static final String LIMIT = "sluice.lane.limit";
    /** Gauge: connections; tag {@code state}: {@code active}, {@code idle}, {@code pending}, {@code max}. */
    public static final String CONNECTIONS = "sluice.pool.connections";
    /** Counter: retries started; tag {@code kind}: the failure kind that was retried. */
    public static final String RETRIES = "sluice.lane.retries";
    /** Counter: circuit breaker transitions; tags {@code from}, {@code to}. */
    public static final String BREAKER_TRANSITIONS = "sluice.lane.breaker.transitions";
    /** Gauge: breaker state: 0 closed, 1 half-open, 2 open (others: 3). */
    public static final String BREAKER_STATE = "sluice.lane.breaker.state";
    /** Timer: units of work by {@code outcome}: {@code success} or the failure kind in lower case. */
    public static final String WORK = "sluice.lane.work";
    /** Counter: connections borrowed from another lane; tag {@code from}. */
    public static final String BORROWED = "sluice.lane.borrowed";
    /** Counter: connections held longer than the lane's leak-detection threshold. */
    public static final String LEAK_SUSPECTS = "sluice.pool.leak.suspects";
}
