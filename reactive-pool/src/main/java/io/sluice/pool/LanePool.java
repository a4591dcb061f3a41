package io.sluice.pool;

import io.r2dbc.postgresql.api.PostgresqlConnection;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.R2dbcTimeoutException;
import io.r2dbc.spi.ValidationDepth;
import io.sluice.ConnectionUnavailableException;
import io.sluice.internal.Failures;
import io.sluice.Lane;
import io.sluice.LaneClosedException;
import io.sluice.PoolSnapshot;
import io.sluice.TxOptions;
import io.sluice.spi.LaneSettings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.CoreSubscriber;
import reactor.pool.InstrumentedPool;
import reactor.pool.PoolAcquirePendingLimitException;
import reactor.pool.PoolAcquireTimeoutException;
import reactor.pool.PoolBuilder;
import reactor.pool.PoolShutdownException;
import reactor.pool.PooledRef;
import reactor.pool.PooledRefMetadata;

/**
 * One lane's connections: a reactor-pool {@link InstrumentedPool} (the engine r2dbc-pool is built on), with
 * Sluice's eviction rules, session set-up and typed acquire errors.
 *
 * <p>Why reactor-pool directly and not r2dbc-pool's {@code ConnectionPool}: that class adds per acquire a
 * validation operator (with a {@code String.format} for its name), a timeout operator with its context
 * hook, a {@code PooledConnection} and a cancel guard. Sluice owns the wait (the admission gate, then the
 * pool with what is left of {@code acquireTimeout}, timed only while the acquire is pending) and the
 * validation policy (a synchronous socket check on acquire, idle connections checked in the sweep), so it
 * paid for both twice; the profile of the throughput scenario showed r2dbc-pool's validation alone at 4%
 * of the client's CPU samples.
 */
final class LanePool {

    private static final reactor.util.Logger LOG = reactor.util.Loggers.getLogger(LanePool.class);

    private final Lane lane;
    private final LaneConfig config;
    private final LaneConnections connections;
    /** The lane's connections: a reactor-pool per event loop of the lane (one with one loop). */
    private final LoopShards shards;
    private final long acquireTimeoutNanos;
    private final LaneSettings settings;
    private final Retirement retirement;
    private volatile boolean closing;
    private volatile boolean disposed;
    /** Connections of this pool handed out and not yet handed back. */
    private final java.util.concurrent.atomic.AtomicInteger leased = new java.util.concurrent.atomic.AtomicInteger();
    /** Lent-out connections, when leak detection is on. */
    private final java.util.Set<LeasedConnection> leases = ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicLong leaseIds = new java.util.concurrent.atomic.AtomicLong();
    private volatile @org.jspecify.annotations.Nullable LeakReports leaks;
    /**
     * Every connection of the pool not closed yet, idle or lent out: what {@link #dispose()} closes when work
     * still holds connections (reactor-pool closes a lent connection only when it comes back). Changed on
     * open and close only, never per acquire.
     */
    private final java.util.Set<Connection> open = ConcurrentHashMap.newKeySet();
    /** Connections the eviction predicate picked as surplus after a shrink, until destroyed. */
    private final java.util.Set<Connection> surplus = ConcurrentHashMap.newKeySet();
    private final LaneMeters meters;
    /** Acquires that waited their time at the pool and got nothing. */
    final java.util.concurrent.atomic.LongAdder acquireTimeouts = new java.util.concurrent.atomic.LongAdder();
    /** Acquires refused at once because maxPendingAcquires callers already waited at the pool. */
    final java.util.concurrent.atomic.LongAdder pendingLimitRejections = new java.util.concurrent.atomic.LongAdder();

    LanePool(ServerConfig server, LaneConfig config) {
        this(server, config, LaneMeters.none(config));
    }

    LanePool(ServerConfig server, LaneConfig config, LaneMeters meters) {
        this.meters = meters;
        this.lane = config.lane();
        this.acquireTimeoutNanos = config.acquireTimeout().toNanos();
        this.config = config;
        this.retirement = new Retirement(config, System::nanoTime);
        TxOptions tx = TxOptions.defaults();
        if (config.isolation() != null) {
            tx = tx.withIsolation(config.isolation());
        }
        if (config.readOnly()) {
            tx = tx.withReadOnly(true);
        }
        this.connections = new LaneConnections(server, config, retirement::created);
        this.settings = new LaneSettings(tx, config.fetchSize(), config.clientTimeout(), config.validationTimeout(),
                connections.unitSetup());
        Duration createTime = server.connectTimeout().plusSeconds(1);
        this.shards = new LoopShards(LaneConnections.shards(server), Math.max(config.minIdle(), config.initialSize()),
                config.maxSize(), shard -> buildPool(shard, createTime));
    }

    /** A shard's reactor-pool: its connections opened on its loop, Sluice's eviction rules, closed through {@link #closeOpen}. */
    private InstrumentedPool<Connection> buildPool(LoopShards.Shard shard, Duration createTime) {
        ResizableAllocation allocation = shard.allocation;
        // a connection that finished opening after the pool began to close (a refill, a warm-up in flight) is
        // closed at once: the disposed pool might otherwise never see it again
        Mono<Connection> allocator = Mono.defer(() -> timedCreate(shard.index))
                .flatMap(c -> {
                    open.add(c);
                    shard.opened();
                    return disposed ? closeOpen(c).then(Mono.<Connection>error(new LaneClosedException(lane))) : Mono.just(c);
                })
                .timeout(createTime)
                .onErrorMap(java.util.concurrent.TimeoutException.class,
                        e -> new R2dbcTimeoutException("opening a connection took longer than " + createTime.toMillis() + " ms", e));
        return PoolBuilder.from(allocator)
                .allocationStrategy(allocation)
                .maxPendingAcquire(config.maxPendingAcquires())
                .evictionPredicate((c, m) -> evict(allocation, c, m))
                .evictInBackground(config.evictionInterval())
                .destroyHandler(c -> {
                    String reason = retirement.destroyed(c);
                    meters.closed(reason != null ? reason : closing || disposed ? "shutdown" : "other");
                    if (surplus.remove(c)) {
                        allocation.surplusDestroyed();
                    }
                    return closeOpen(c);
                })
                .idleResourceReuseMruOrder()   // most recently used first, so surplus idle connections age out
                .buildPool();
    }

    /** Closes one of the pool's connections (once: it leaves {@link #open} first). */
    private Mono<Void> closeOpen(Connection c) {
        return open.remove(c) ? Mono.from(c.close()).onErrorResume(e -> Mono.empty()) : Mono.empty();
    }

    /** Opens a connection of shard {@code k}, timing it for {@code db.client.connection.create_time}. */
    private Mono<Connection> timedCreate(int k) {
        long start = System.nanoTime();
        return connections.create(k)
                .doOnNext(c -> meters.created(System.nanoTime() - start))
                .doOnError(e -> meters.createFailed());
    }

    private static final long IDLE_CHECK_AFTER_MS = 1_000;

    private boolean evict(ResizableAllocation allocation, Connection c, PooledRefMetadata m) {
        // a connection idle for a while may have been closed by the server or the network meanwhile; one
        // just used or released is checked on its next acquire
        if (m.idleTime() >= IDLE_CHECK_AFTER_MS && isClosedLocally(c)) {
            retirement.condemn(c, "broken");   // dead: goes whatever the floor, and the refill replaces it
            return true;
        }
        if (allocation.claimSurplus()) {   // above the maximum after a shrink: idle at a sweep, busy on release
            surplus.add(c);
            retirement.condemn(c);
            return true;
        }
        return retirement.retires(c, m.idleTime(), m.acquireCount());
    }

    /**
     * Whether the connection's socket is known to be closed (the server terminated it, the network broke).
     * r2dbc-postgresql answers a LOCAL validation with a {@code Mono.fromSupplier} over its socket's state,
     * which is {@link java.util.concurrent.Callable}: read at once, nothing subscribed. Another driver's
     * answer that is not immediate counts as alive. Pinned by {@code LanePoolDriverTest}.
     */
    static boolean isClosedLocally(Connection c) {
        org.reactivestreams.Publisher<Boolean> answer = c.validate(ValidationDepth.LOCAL);
        if (answer instanceof java.util.concurrent.Callable<?> call) {
            try {
                return !Boolean.TRUE.equals(call.call());
            } catch (Exception e) {
                return true;
            }
        }
        AtomicReference<Boolean> valid = new AtomicReference<>(Boolean.TRUE);
        Mono.from(answer).subscribe(valid::set, e -> valid.set(Boolean.FALSE));
        return !valid.get();
    }

    /**
     * Keeps the lane at its minimum through retirement: while an expired connection waits because the
     * lane is at {@code minIdle}, borrows the idle connections and one more (a new one), then hands them
     * all back, so the expired one retires with its replacement already open. Does nothing when the
     * lane is full.
     */
    Mono<Void> replaceExpired() {
        return Mono.defer(() -> {
            PoolSnapshot s = snapshot();
            if (closing || !retirement.spareWanted() || retirement.live() > config.minIdle() || s.allocated() >= s.maxSize()) {
                return Mono.empty();
            }
            return holdingAtOnce(s.idle() + 1).timeout(config.acquireTimeout());
        });
    }

    /** Acquires {@code n} connections one after another, holds them all, then releases them (also on error and cancel). */
    private Mono<Void> holdingAtOnce(int n) {
        return n == 0 ? Mono.empty() : Mono.usingWhen(Mono.defer(() -> shards.pick().pool().acquire()), ref -> holdingAtOnce(n - 1), PooledRef::release);
    }

    /** Whether the lane connects through a pooler in transaction mode (no session state outlives a unit). */
    boolean pooled() {
        return connections.pooled();
    }

    /** SQL that switches another lane's connection to this lane's timeouts and application_name. */
    String borrowSql() {
        return connections.borrowSql();
    }

    LaneSettings settings() {
        return settings;
    }

    Lane lane() {
        return lane;
    }

    LaneConfig config() {
        return config;
    }

    /** The driver's factory, without the lane's session initialisation (for one-off checks). */
    ConnectionFactory rawFactory() {
        return connections.rawFactory();
    }

    String target() {
        return connections.target();
    }

    /**
     * A connection of this lane. The wait is what is left of {@code acquireTimeout} after the unit's wait
     * at the admission gate (which it puts in the context), timed only while the acquire is pending. A
     * connection found dead (closed socket) is invalidated and the next one tried.
     */
    Mono<Connection> acquire() {
        return new Acquire();
    }

    private final class Acquire extends Mono<Connection> {
        @Override
        public void subscribe(CoreSubscriber<? super Connection> actual) {
            if (closing) {
                reactor.core.publisher.Operators.error(actual, new LaneClosedException(lane));
                return;
            }
            long start = System.nanoTime();
            reactor.util.context.ContextView ctx = actual.currentContext();
            long queued = AdmissionGate.waitedNanos(ctx);
            long left = acquireTimeoutNanos - queued;
            io.sluice.spi.CallSite site = config.leakDetectionThreshold() == null ? null : io.sluice.spi.CallSite.from(ctx);
            LaneMeters.Op op = meters.timesLeases() ? meters.op(ctx) : null;
            attempt(config.maxSize(), start, Duration.ofNanos(Math.max(1_000_000L, left)), site, op, queued).subscribe(actual);
        }
    }

    /**
     * {@code site}: where the unit was assembled, with leak detection on; {@code op}: the unit's operation when
     * leases are timed (null otherwise); {@code queued}: its wait at the gate.
     */
    private Mono<Connection> attempt(int deadLeft, long start, Duration wait, io.sluice.spi.@org.jspecify.annotations.Nullable CallSite site,
                                     LaneMeters.@org.jspecify.annotations.Nullable Op op, long queued) {
        LoopShards.Shard shard = shards.pick();
        int limit = config.maxPendingAcquires();
        if (shards.pendingLimitReached(shard, limit)) {
            return Mono.error(acquireFailure(new PoolAcquirePendingLimitException(limit), start));
        }
        Mono<PooledRef<Connection>> ref = shard.pool().acquire(wait);
        if (shard.pool().metrics().idleSize() == 0) {
            // reactor-pool times only a pending acquire; one served by a connection being opened is not, and a
            // slow server can take seconds to open one. With an idle connection there, no timer is needed.
            ref = ref.timeout(wait);
        }
        Mono<LeasedConnection> lent = op == null ? ref.map(r -> lease(r, site)) : ref.map(r -> timed(lease(r, site), op, start, queued));
        @SuppressWarnings("unchecked")   // a Mono only produces: a Mono of LeasedConnection is one of Connection (no extra operator)
        Mono<Connection> leased = config.validateRemotely()
                ? lent.flatMap(this::checkedRemotely)
                : (Mono<Connection>) (Mono<? extends Connection>) lent;
        return leased.onErrorResume(e -> e == DeadConnection.INSTANCE && deadLeft > 0
                ? attempt(deadLeft - 1, start, Duration.ofNanos(Math.max(1_000_000L, acquireTimeoutNanos - (System.nanoTime() - start))), site, op, queued)
                : Mono.error(acquireFailure(e, start)));
    }

    /** Thrown (no stack) when the connection handed out was found dead; it has been invalidated. */
    private static final class DeadConnection extends RuntimeException {
        static final DeadConnection INSTANCE = new DeadConnection();
        private static final long serialVersionUID = 1L;

        private DeadConnection() {
            super("dead connection", null, false, false);
        }
    }

    /** Notes when and for which operation a connection was lent, and records how long the unit waited for it. */
    private static LeasedConnection timed(LeasedConnection c, LaneMeters.Op op, long start, long queued) {
        long now = System.nanoTime();
        c.leasedAt = now;
        c.op = op;
        op.waited(queued + now - start);
        return c;
    }

    /** A unit hands a connection back: records how long it held it (and reports it when slow). */
    private static void held(Connection c) {
        LeasedConnection l = (LeasedConnection) c;
        LaneMeters.Op op = l.op;
        if (op != null) {
            l.op = null;
            op.held(System.nanoTime() - l.leasedAt);
        }
    }

    private LeasedConnection lease(PooledRef<Connection> ref, io.sluice.spi.@org.jspecify.annotations.Nullable CallSite site) {
        if (isClosedLocally(ref.poolable())) {
            retirement.condemn(ref.poolable(), "broken");
            ref.invalidate().subscribe(null, e -> { });
            throw DeadConnection.INSTANCE;
        }
        leased.incrementAndGet();
        LeasedConnection c = new LeasedConnection(ref);
        c.pooled = connections.pooled() ? lane : null;
        if (config.leakDetectionThreshold() != null) {
            c.leasedAt = System.nanoTime();
            c.site = site;
            leases.add(c);
        }
        return c;
    }

    /** With {@code validateRemotely}: a round trip before the connection is handed out; a failure invalidates it. */
    private Mono<Connection> checkedRemotely(LeasedConnection c) {
        return Mono.from(c.raw.validate(ValidationDepth.REMOTE))
                .timeout(config.validationTimeout())
                .onErrorReturn(Boolean.FALSE)
                .flatMap(ok -> {
                    if (ok) {
                        return Mono.just(c);
                    }
                    retirement.condemn(c.raw, "validation_failed");
                    c.op = null;   // never handed out: not a use
                    return discard(c).then(Mono.error(DeadConnection.INSTANCE));
                });
    }

    private Throwable acquireFailure(Throwable e, long startNanos) {
        Duration waited = Duration.ofNanos(System.nanoTime() - startNanos);
        String p = "[lane " + lane.name() + "] ";
        if (e instanceof PoolShutdownException || closing) {
            return new LaneClosedException(lane);
        }
        if (e instanceof PoolAcquirePendingLimitException) {
            pendingLimitRejections.increment();
            PoolSnapshot s = snapshot();
            return new ConnectionUnavailableException(p + "rejected at once: " + s.pending() + " callers already wait for a "
                    + "connection (maxPendingAcquires=" + config.maxPendingAcquires() + "); pool: " + s
                    + ". The lane is saturated: shed load, or raise maxSize or maxPendingAcquires", lane, null, waited, s, e);
        }
        if (e instanceof PoolAcquireTimeoutException || e instanceof java.util.concurrent.TimeoutException) {
            acquireTimeouts.increment();
            PoolSnapshot s = snapshot();
            LaneConnections.Failure last = connections.lastConnectFailure();
            Throwable cause = last != null && System.nanoTime() - last.atNanos() < 2 * waited.toNanos() + 1_000_000_000L ? last.error() : e;
            return new ConnectionUnavailableException(p + "no connection available after " + waited.toMillis()
                    + " ms (acquireTimeout=" + config.acquireTimeout().toMillis() + " ms); pool: " + s
                    + (cause != e ? "; last connection failure: " + cause.getMessage() : "")
                    + ". Raise maxSize or acquireTimeout, shorten the work, or shed load", lane, null, waited, s, cause);
        }
        if (e instanceof R2dbcException r) {
            Throwable typed = Failures.translate(lane, r);
            if (r.getSqlState() != null && !(typed instanceof ConnectionUnavailableException)) {
                // refused by the server at connect: bad credentials (28xxx), unknown database (3D000), ...
                String state = r.getSqlState();
                boolean config = state.startsWith("28") || state.startsWith("3D") || state.equals("42501");
                return new ConnectionUnavailableException(p + "could not open a connection to " + connections.target() + ": "
                        + r.getMessage() + " (SQLSTATE " + state + ")" + (config ? ". Check the role, password and "
                        + "database (PGUSER, PGPASSWORD, PGDATABASE or the URL)" : ""), lane, state, waited, snapshot(), r, !config);
            }
            if (typed instanceof ConnectionUnavailableException) {
                return typed;
            }
            return new ConnectionUnavailableException(p + "could not open a connection to " + connections.target() + ": "
                    + r.getMessage() + ". Check that the server is running and reachable (PGHOST, PGPORT)",
                    lane, null, waited, snapshot(), r);
        }
        return e;
    }

    /** Hands a healthy connection of this pool back. Cold. */
    Mono<Void> release(Connection c) {
        return Mono.defer(() -> {
            leased.decrementAndGet();
            held(c);
            if (config.leakDetectionThreshold() != null) {
                handedBack((LeasedConnection) c);
            }
            return ((LeasedConnection) c).ref.release();
        });
    }

    /** Where leak suspects are reported; none: only counted by the caller of {@link #leakSuspects()}. */
    void leakReports(LeakReports reports) {
        this.leaks = reports;
    }

    /**
     * Connections held longer than the leak-detection threshold now and not reported yet; each is
     * reported (meter, WARN line with its call site, event) once.
     */
    int leakSuspects() {
        Duration threshold = config.leakDetectionThreshold();
        if (threshold == null) {
            return 0;
        }
        long now = System.nanoTime();
        int n = 0;
        for (LeasedConnection c : leases) {
            long held = now - c.leasedAt;
            if (held > threshold.toNanos() && c.leakId == 0) {
                c.leakId = leaseIds.incrementAndGet();
                n++;
                LeakReports r = leaks;
                if (r != null) {
                    r.suspected(config, c.leakId, Duration.ofNanos(held), c.site);
                } else {
                    LOG.warn("[lane {}] a connection has been held for {} ms, longer than leakDetectionThreshold={} ms",
                            lane.name(), Duration.ofNanos(held).toMillis(), threshold.toMillis());
                }
            }
        }
        return n;
    }

    /** A leased connection came back: a reported suspect is reported released, with its whole holding time. */
    private void handedBack(LeasedConnection c) {
        if (leases.remove(c) && c.leakId != 0) {
            LeakReports r = leaks;
            if (r != null) {
                r.released(config, c.leakId, Duration.ofNanos(System.nanoTime() - c.leasedAt), c.site);
            }
        }
    }

    /** The maximum size now (the configured one until a resize). */
    int maxSize() {
        return shards.maxSize();
    }

    /**
     * A new maximum, at once: growing lets waiting acquires open connections; shrinking closes the
     * connections above it, idle ones at the next sweep and busy ones when handed back.
     */
    void maxSize(int max) {
        shards.maxSize(max);
        retirement.maxSize(max);
    }

    /**
     * Replaces every connection open now: each is condemned, so none is handed out again; the idle ones are
     * closed at once (and replaced, which opens them with the current password), busy ones when handed back,
     * and the refill brings the lane back to its minimum. Completes once every one of them is closed.
     */
    Mono<Void> refresh(reactor.core.scheduler.Scheduler scheduler) {
        return Mono.defer(() -> {
            java.util.Set<Connection> old = retirement.condemnAll();
            int idle = snapshot().idle();
            Mono<Void> closeIdle = holdingAtOnce(Math.min(idle, maxSize())).timeout(config.acquireTimeout())
                    .onErrorResume(e -> Mono.empty())
                    .then(warmup().onErrorResume(e -> Mono.empty()).then());
            Mono<Void> gone = reactor.core.publisher.Flux.interval(Duration.ZERO, Duration.ofMillis(20), scheduler)
                    .filter(t -> closing || old.stream().noneMatch(retirement::isOpen))
                    .next()
                    .then();
            return closeIdle.then(gone);
        });
    }

    int leased() {
        return leased.get();
    }

    /** Hands back a connection whose state is unknown: closed, never lent again. */
    Mono<Void> discard(Connection c) {
        return Mono.defer(() -> {
            LeasedConnection l = (LeasedConnection) c;
            leased.decrementAndGet();
            held(c);
            if (config.leakDetectionThreshold() != null) {
                handedBack(l);
            }
            retirement.condemn(l.raw, "discarded");
            return l.ref.invalidate();
        });
    }

    Mono<Void> cancelStatement(Connection c) {
        return Mono.defer(() -> cancelRaw(((LeasedConnection) c).raw));
    }

    /** Asks the server to cancel what one of the pool's own connections is running (nothing for another driver's). */
    private Mono<Void> cancelRaw(Connection raw) {
        return raw instanceof PostgresqlConnection pg ? pg.cancelRequest().timeout(config.validationTimeout()) : Mono.empty();
    }

    PoolSnapshot snapshot() {
        return shards.snapshot();
    }

    Mono<Integer> warmup() {
        return shards.warmup();
    }

    /** The lane's last failure to open a connection, or null (for health). */
    LaneConnections.@Nullable Failure lastConnectFailure() {
        return connections.lastConnectFailure();
    }

    /** When a connection of this lane was last opened (System.nanoTime), or 0 (for health). */
    long lastConnectedNanos() {
        return connections.lastConnectedNanos();
    }

    void stopAdmitting() {
        closing = true;
    }

    boolean isClosing() {
        return closing;
    }

    Mono<Void> dispose() {
        disposed = true;
        return shards.disposeLater().then(Mono.defer(() -> {
            // closing ends here: what is still lent out (work past its grace, a subscriber that never cancels)
            // is closed now, not left open on the server until the work ends, if it ever does
            List<Connection> held = List.copyOf(open);
            if (held.isEmpty()) {
                return Mono.<Void>empty();
            }
            LOG.warn("[lane " + lane.name() + "] closed " + held.size() + " connection(s) still in use when the lane closed; "
                    + "their statements are cancelled and their work fails with a closed connection");
            // a statement still running is cancelled first: closing the socket alone leaves it running on the server
            return Flux.fromIterable(held).flatMap(c -> cancelRaw(c).onErrorResume(e -> Mono.empty()).then(closeOpen(c))).then();
        }));
    }

}
