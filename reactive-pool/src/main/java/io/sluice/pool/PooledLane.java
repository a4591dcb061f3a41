package io.sluice.pool;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.r2dbc.spi.Connection;
import io.sluice.FailureKind;
import io.sluice.internal.Failures;
import io.sluice.Lane;
import io.sluice.PoolSnapshot;
import io.sluice.spi.LaneSettings;
import io.sluice.spi.LaneSource;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * One lane, built once from its {@link LaneConfig}: its pool, admission gate, circuit breaker, retry and
 * settings, and everything a unit of work asks of them. The facade resolves it once per unit
 * ({@link Lanes#lane(Lane)}) and never looks the lane up again.
 */
final class PooledLane implements LaneSource {

    private final LaneConfig config;
    private final LanePool pool;
    private final AdmissionGate gate;
    private final @Nullable CircuitBreaker breaker;
    private final LaneGuard guard;
    private volatile @Nullable Lending lending;
    private volatile @Nullable ReplicaRouter router;
    private final LaneMeters laneMeters;
    /** The shared connections of a multiplexed lane; null otherwise. */
    private final @Nullable Multiplexer multiplexer;
    private final @Nullable SharedConnections shared;

    /** {@code meters}: for Sluice's own counters (an empty registry when none was given); {@code laneMeters}: the lane's meters. */
    PooledLane(ServerConfig server, LaneConfig config, Scheduler scheduler, MeterRegistry meters, LaneMeters laneMeters) {
        this.config = config;
        this.laneMeters = laneMeters;
        this.pool = new LanePool(server, config, laneMeters);
        Limit limit = config.adaptive() ? new Gradient2Limit(config.admissionLimit(), config.adaptiveMin(), config.adaptiveMax())
                : new FixedLimit(config.admissionLimit());
        this.gate = new AdmissionGate(config.lane(), limit, config.maxPendingAcquires(), config.acquireTimeout(), scheduler, pool::snapshot);
        gate.predictive(config.predictiveShedding());
        this.breaker = config.circuitBreaker() == null ? null
                : CircuitBreaker.of("sluice-" + config.lane().name(), CircuitBreakerConfig.from(config.circuitBreaker())
                        .recordException(PooledLane::countsAgainstBreaker)
                        .ignoreException(PooledLane::ignoredByBreaker)
                        .build());
        this.shared = !config.multiplexed() ? null : new SharedConnections(server, config);
        this.multiplexer = shared == null ? null : new Multiplexer(config.lane(), config.sharedConnections(),
                config.perConnection(), config.acquireTimeout(), scheduler, shared::open);
        this.guard = new LaneGuard(config.lane(), gate, breaker, config.retry(), scheduler, meters, config.breakerConsecutiveFailures());
    }

    /** Only infrastructure failures open a breaker: a constraint violation or bad SQL is the caller's error. */
    static boolean countsAgainstBreaker(Throwable e) {
        if (e instanceof io.sluice.AdmissionTimeoutException) {
            return false;
        }
        FailureKind kind = Failures.classify(e);
        return kind != null && kind.isInfrastructure();
    }

    /** Rejections by Sluice itself and the caller's own exceptions say nothing about the database. */
    static boolean ignoredByBreaker(Throwable e) {
        if (e instanceof io.sluice.AdmissionTimeoutException) {
            return true; // waited for its own lane's admission: says nothing about the database
        }
        FailureKind kind = Failures.classify(e);
        return kind == null || kind == FailureKind.OVERLOADED || kind == FailureKind.CIRCUIT_OPEN
                || kind == FailureKind.LANE_CLOSED || kind == FailureKind.USAGE
                || kind == FailureKind.DEADLINE_EXCEEDED || kind == FailureKind.PROTOCOL_VIOLATION;
    }

    @Override
    public Lane lane() {
        return config.lane();
    }

    @Override
    public LaneSettings settings() {
        return pool.settings();
    }

    /** With leak detection on, the facade captures each unit's call site for the reports. */
    @Override
    public boolean recordsCallSites() {
        return config.leakDetectionThreshold() != null;
    }

    @Override
    public Mono<Connection> acquire() {
        ReplicaRouter r = router;
        if (r != null) {
            return r.acquire();
        }
        return primaryAcquire();
    }

    /** A connection on the lane's own server: its pool's, or a lender's. */
    Mono<Connection> primaryAcquire() {
        Lending l = lending;
        return l == null ? pool.acquire() : l.acquire();
    }

    /** On a multiplexed lane, a statement whose parameters the shared connections can send takes a shared slot. */
    @Override
    public Mono<Connection> acquireForStatement(Class<?>[] parameterTypes) {
        Multiplexer m = multiplexer;
        return m != null && TextParameters.supports(parameterTypes) ? m.acquire() : acquire();
    }

    @Override
    public Mono<Void> release(Connection connection) {
        if (connection instanceof SharedLease l) {
            return l.release();
        }
        LanePool standby = ((LeasedConnection) connection).standby;
        return standby != null ? standby.release(connection) : Lending.release(pool, connection);
    }

    /** A shared lease is only handed back: its connection, if broken, is replaced by the multiplexer. */
    @Override
    public Mono<Void> discard(Connection connection) {
        if (connection instanceof SharedLease l) {
            return l.release();
        }
        LanePool standby = ((LeasedConnection) connection).standby;
        return standby != null ? standby.discard(connection) : Lending.discard(pool, connection);
    }

    @Override
    public Mono<Void> cancelStatement(Connection connection) {
        return connection instanceof SharedLease l ? l.cancel() : pool.cancelStatement(connection);
    }

    /** The shared connections of a multiplexed lane; null otherwise. */
    @Nullable Multiplexer multiplexer() {
        return multiplexer;
    }

    /** Statements sent again after a neighbour's cancel (0 when the lane is not multiplexed). */
    long sharedResent() {
        SharedConnections s = shared;
        return s == null ? 0 : s.resent.sum();
    }

    /** Statement slots of the shared connections in use now (0 when the lane is not multiplexed). */
    int sharedInUse() {
        Multiplexer m = multiplexer;
        return m == null ? 0 : m.inUse();
    }

    /** Closes the lane's pool and its shared connections. */
    Mono<Void> dispose() {
        Multiplexer m = multiplexer;
        return m == null ? pool.dispose() : Mono.when(pool.dispose(), m.close());
    }

    @Override
    public <T> Mono<T> guard(Mono<T> unit) {
        return guard.guard(unit);
    }

    @Override
    public <T> Flux<T> guard(Flux<T> unit) {
        return guard.guard(unit);
    }

    /** COPY through the driver's own support: the lane's connections are r2dbc-postgresql's, under Sluice's wrappers. */
    @Override
    public Mono<Long> copyIn(Connection connection, String sql, org.reactivestreams.Publisher<java.nio.ByteBuffer> data) {
        Object c = connection;
        while (!(c instanceof io.r2dbc.postgresql.api.PostgresqlConnection) && c instanceof io.r2dbc.spi.Wrapped<?> w) {
            c = w.unwrap();
        }
        if (!(c instanceof io.r2dbc.postgresql.api.PostgresqlConnection pg)) {
            return Mono.error(new UnsupportedOperationException("COPY needs an r2dbc-postgresql connection, got "
                    + connection.getClass().getName()));
        }
        return pg.copyIn(sql, Flux.from(data).map(io.netty.buffer.Unpooled::wrappedBuffer));
    }

    /** Reads go to standbys through {@code router}; the lane's own pool is the fallback. */
    void routeReads(ReplicaRouter router) {
        this.router = router;
    }

    @Nullable ReplicaRouter router() {
        return router;
    }

    void borrowFrom(Lending lending) {
        this.lending = lending;
        gate.borrowable(lending::borrowable);
    }

    LaneConfig config() {
        return config;
    }

    LaneMeters meters() {
        return laneMeters;
    }

    LanePool pool() {
        return pool;
    }

    AdmissionGate gate() {
        return gate;
    }

    @Nullable CircuitBreaker breaker() {
        return breaker;
    }

    LaneGuard guard() {
        return guard;
    }

    /** The pool right now; {@code pending} counts callers waiting for admission too. */
    PoolSnapshot snapshot() {
        PoolSnapshot s = pool.snapshot();
        int queued = gate.queued();
        return queued == 0 ? s : new PoolSnapshot(s.maxSize(), s.allocated(), s.acquired(), s.idle(), s.pending() + queued);
    }

    /** The pool's maximum now (the configured one until a resize). */
    int maxSize() {
        return pool.maxSize();
    }

    /**
     * Checks a resize against this lane's settings: returns the admission limit it leads to, or throws
     * {@link io.sluice.ConfigurationException} naming the value.
     */
    int checkResize(LaneResize r) {
        int newMax = r.maxSize() != null ? r.maxSize() : maxSize();
        String p = "resize of lane '" + lane().name() + "': ";
        if (newMax < config.minIdle()) {
            throw new io.sluice.ConfigurationException("maxSize", p + "maxSize (" + newMax + ") must not be below the lane's minIdle ("
                    + config.minIdle() + "); minIdle cannot change while the lane runs");
        }
        Limit limit = gate.limitAlgorithm();
        if (r.admissionLimit() != null && !(limit instanceof FixedLimit)) {
            throw new io.sluice.ConfigurationException("admissionLimit", p + "the lane's admission limit is adaptive (" + limit
                    + ") and follows latency; it cannot be set. Resize without admissionLimit");
        }
        if (r.admissionLimit() != null) {
            return r.admissionLimit();
        }
        return limit instanceof FixedLimit && limit.limit() == maxSize() ? newMax : limit.limit();
    }

    /** Applies a checked resize at once: work in flight runs on; waiters are admitted when the limit rose. */
    void resize(LaneResize r, int admissionLimit) {
        if (r.maxSize() != null) {
            pool.maxSize(r.maxSize());
            ReplicaRouter standbys = router;
            if (standbys != null) {
                standbys.standbys().forEach(s -> s.pool.maxSize(r.maxSize()));
            }
        }
        if (gate.limitAlgorithm() instanceof FixedLimit f) {
            f.set(admissionLimit);
        }
        if (r.maxQueue() != null) {
            gate.maxQueue(r.maxQueue());
        }
        gate.drain();
    }

    AdmissionSnapshot admission() {
        return new AdmissionSnapshot(gate.inFlight(), gate.queued(), gate.effectiveLimit(), gate.maxQueue(),
                breaker == null ? "NONE" : breaker.getState().name());
    }
}
