package io.sluice.pool;

/**
 * Every meter Sluice registers, in one place. One name per concept, split by low-cardinality tags.
 *
 * <p>Connection-pool meters follow OpenTelemetry's semantic conventions for database client connection
 * pools ({@code db.client.connection.*}) and carry the pool name attribute {@value #POOL_NAME} (the lane's
 * name) as well as {@code lane}. What those conventions do not cover (admission, breaker, retries,
 * lending, priority, outcomes of units) is {@code sluice.*}, tagged {@code lane}.
 *
 * <p>Meters are registered only when {@code Lanes.builder(..).meterRegistry(..)} was given a registry;
 * timers publish percentile histograms when {@code meterHistograms(true)} is set. Tags named
 * {@code operation} hold the name the caller gave the unit ({@link io.sluice.Query#named(String)},
 * {@link io.sluice.TxOptions#named(String)}, {@link io.sluice.Operation}), {@value #UNNAMED} when none.
 */
public final class SluiceMeters {

    private SluiceMeters() {
    }

    /** The OpenTelemetry pool name attribute; its value is the lane's name. */
    public static final String POOL_NAME = "db.client.connection.pool.name";
    /** The {@code operation} tag of a unit no name was given to. */
    public static final String UNNAMED = "unnamed";
    /** The {@code operation} tag once a lane has seen 200 distinct operation names (a fixed label never gets near it; a value in the name does). */
    public static final String OTHER_OPERATION = "other";

    // ---- OpenTelemetry: db.client.connection.* (tags: db.client.connection.pool.name, lane) ----

    /** Gauge: the lane's connections; tag {@code state}: {@code idle} or {@code used} (lent to a unit of work). */
    public static final String CONNECTION_COUNT = "db.client.connection.count";
    /** Gauge: the most connections the lane may hold ({@code maxSize}). */
    public static final String CONNECTION_MAX = "db.client.connection.max";
    /** Gauge: the fewest idle connections the lane keeps ({@code minIdle}). */
    public static final String CONNECTION_IDLE_MIN = "db.client.connection.idle.min";
    /**
     * Gauge: callers waiting for a connection, wherever they wait: in the lane's admission queue and for
     * the pool. The figure to alert on ("more than 10 waiting").
     */
    public static final String CONNECTION_PENDING = "db.client.connection.pending_requests";
    /**
     * Function counter: waits for a connection that timed out, in the admission queue ({@code acquireTimeout})
     * or at the pool. Read with {@code registry.find(..).functionCounter()}.
     */
    public static final String CONNECTION_TIMEOUTS = "db.client.connection.timeouts";
    /**
     * Timer: how long a unit waited for its connection, admission queue and pool acquire together;
     * tag {@code operation}. Only waits that got a connection; the others are timeouts or rejections.
     */
    public static final String CONNECTION_WAIT_TIME = "db.client.connection.wait_time";
    /** Timer: how long a unit held its connection, from acquire to release; tag {@code operation}. */
    public static final String CONNECTION_USE_TIME = "db.client.connection.use_time";
    /** Timer: how long opening a connection took (TCP, TLS, authentication, session init). */
    public static final String CONNECTION_CREATE_TIME = "db.client.connection.create_time";

    // ---- Sluice: the pool's connections ----

    /** Counter: connections opened. */
    public static final String CONNECTIONS_CREATED = "sluice.pool.connections.created";
    /** Counter: attempts to open a connection that failed (refused, timed out, authentication). */
    public static final String CONNECTIONS_CREATE_FAILED = "sluice.pool.connections.create.failed";
    /**
     * Counter: connections closed; tag {@code reason}: {@code expired} (maxLifetime), {@code idle}
     * (maxIdleTime), {@code max_uses}, {@code broken} (its socket found closed: invalidated),
     * {@code validation_failed} (a remote validation failed: invalidated), {@code discarded} (its state
     * unknown after a failure or an unconfirmed cancel: invalidated), {@code shutdown} (the lanes closed),
     * {@code other}.
     */
    public static final String CONNECTIONS_CLOSED = "sluice.pool.connections.closed";
    /** Counter: connections held longer than the lane's leak-detection threshold. */
    public static final String LEAK_SUSPECTS = "sluice.pool.leak.suspects";

    // ---- Sluice: units of work, admission, resilience ----

    /**
     * Timer: attempts of units of work at the lane's gate, from arrival to end (waiting included); tags
     * {@code outcome} and {@code operation}. Outcomes: {@code success}, {@code cancelled} (the subscriber
     * left: a client disconnect, a failed {@code zip} sibling, a timeout upstream), {@code application_error}
     * (the caller's own exception), or the failure kind in lower case ({@code connection_lost},
     * {@code overloaded}, {@code query_timeout}, ...). Each retry is an attempt of its own.
     */
    public static final String WORK = "sluice.lane.work";
    /** Function counter: units of work admitted by a lane's gate. */
    public static final String ADMITTED = "sluice.lane.admitted";
    /**
     * Counter: units refused; tag {@code reason}: {@code overloaded} (admission queue full, rejected at once),
     * {@code predicted_wait} (rejected at once: its predicted wait exceeded its acquireTimeout or deadline),
     * {@code queue_timeout} (waited acquireTimeout for admission), {@code deadline} (the caller's deadline
     * passed while it waited), {@code pending_limit} (too many waiting at the pool), {@code circuit_open}.
     * All but {@code circuit_open} are function counters: read them with {@code registry.find(..).functionCounter()}.
     */
    public static final String REJECTED = "sluice.lane.rejected";
    /** Gauge: units of work in flight (admitted, not finished). */
    public static final String IN_FLIGHT = "sluice.lane.in.flight";
    /** Gauge: units waiting in the admission queue (a part of {@link #CONNECTION_PENDING}). */
    public static final String QUEUED = "sluice.lane.queued";
    /** Gauge: the admission limit now (adaptive limits move; yielding to a higher lane lowers it; borrowing raises it). */
    public static final String LIMIT = "sluice.lane.limit";
    /** Gauge: the lane's yield factor, 1 unless it yields admission to a higher-priority lane missing its latency target. */
    public static final String YIELD = "sluice.lane.yield";
    /** Counter: retries started; tag {@code kind}: the failure kind that was retried. */
    public static final String RETRIES = "sluice.lane.retries";
    /** Counter: circuit breaker transitions; tags {@code from}, {@code to} ({@code closed}, {@code open}, {@code half_open}). */
    public static final String BREAKER_TRANSITIONS = "sluice.lane.breaker.transitions";
    /** Gauge: breaker state: 0 closed, 1 half-open, 2 open (others: 3). */
    public static final String BREAKER_STATE = "sluice.lane.breaker.state";
    /** Counter: connections borrowed from another lane; tag {@code from}. */
    public static final String BORROWED = "sluice.lane.borrowed";
    /** Gauge: a multiplexed lane's shared connections open now. */
    public static final String SHARED_CONNECTIONS = "sluice.lane.shared.connections";
    /** Gauge: statements in flight on a multiplexed lane's shared connections (slots held). */
    public static final String SHARED_IN_FLIGHT = "sluice.lane.shared.in.flight";
    /** Counter: shared connections found broken and dropped (replaced on demand). */
    public static final String SHARED_BROKEN = "sluice.lane.shared.broken";
    /** Counter: statements sent again on a shared connection after a cancel meant for a neighbour stopped them. */
    public static final String SHARED_RESENT = "sluice.lane.shared.resent";
    /** Counter: units that held their connection longer than the lane's slowStatementThreshold; tag {@code operation}. */
    public static final String SLOW = "sluice.lane.slow";

    // Read replicas (Lanes.Builder#readReplicas); tags lane and server (a standby's host:port)

    /** Gauge: 1 while a standby takes its lane's reads, 0 while it is out of rotation (down or lagging). */
    public static final String REPLICA_AVAILABLE = "sluice.replica.available";
    /** Gauge: how far a standby was behind the primary at the last check, in seconds (NaN: not known). */
    public static final String REPLICA_LAG = "sluice.replica.lag";
    /** Gauge: bytes of WAL a standby was behind the primary at the last check (NaN: not known). */
    public static final String REPLICA_LAG_BYTES = "sluice.replica.lag.bytes";
    /**
     * Counter: units of a lane with standbys by where they went; tag {@code server} (a standby, or
     * {@code primary}) and {@code reason}: {@code rotation} (a standby's turn), {@code no_standby} (none in
     * rotation), {@code standby_failed} (those tried gave no connection), {@code read_your_writes} (not
     * replayed within the wait), {@code asked} ({@link ReadYourWrites#primary()}).
     */
    public static final String REPLICA_READS = "sluice.replica.reads";
}
