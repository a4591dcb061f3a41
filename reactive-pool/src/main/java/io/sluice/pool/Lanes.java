package io.sluice.pool;

import io.r2dbc.spi.Connection;
import io.sluice.ConfigurationException;
import io.sluice.ConnectionUnavailableException;
import io.sluice.Database;
import io.sluice.Lane;
import io.sluice.LaneClosedException;
import io.sluice.PoolSnapshot;
import io.sluice.UnknownLaneException;
import io.sluice.spi.ConnectionSource;
import io.sluice.spi.LaneSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The lanes of one application: one connection pool per {@link Lane}, all to one server. Implements
 * {@link ConnectionSource}; {@link #database()} is the facade to code against.
 *
 * <pre>{@code
 * Lanes lanes = Lanes.builder(ServerConfig.fromEnvironment().build())
 *         .lane(LaneConfig.builder(Lane.INTERACTIVE).maxSize(8).acquireTimeout(Duration.ofMillis(500)).build())
 *         .lane(LaneConfig.builder(Lane.BACKGROUND).maxSize(4).statementTimeout(Duration.ofMinutes(5)).build())
 *         .build();
 * lanes.start().block();            // checks the connection budget, opens initialSize connections
 * Database db = lanes.database();
 * }</pre>
 *
 * <p>{@link #build()} validates without touching the network; {@link #start()} checks the lanes'
 * total size against the server's {@code max_connections}. Close with {@link #closeGracefully(Duration)}
 * or {@link #close()}: new work is refused at once, in-flight work gets the grace period to finish, then
 * every connection is closed.
 */
public final class Lanes implements ConnectionSource, AutoCloseable {

    private final ServerConfig server;
    private final Map<Lane, LanePool> pools;
    private final int budgetReserve;
    private final boolean checkBudget;
    private final Duration closeGrace;
    private final Scheduler scheduler;
    private final Database database;
    private final Map<Lane, LaneGuard> guards;
    private final Map<Lane, List<Loan>> loans;
    private final Map<Connection, Loan> borrowed = new java.util.concurrent.ConcurrentHashMap<>();
    private final MeterRegistry meters;
    private final Duration priorityInterval;
    private volatile Disposable priority = reactor.core.Disposables.single();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Disposable refill = reactor.core.Disposables.single();

    private Lanes(Builder b) {
        this.server = b.server;
        Map<Lane, LanePool> m = new LinkedHashMap<>();
        Set<Connection> doomed = java.util.concurrent.ConcurrentHashMap.newKeySet();
        for (LaneConfig c : b.lanes.values()) {
            m.put(c.lane(), new LanePool(b.server, c, doomed));
        }
        this.pools = Collections.unmodifiableMap(m);
        this.meters = b.meters;
        this.priorityInterval = b.priorityInterval;
        Map<Lane, LaneGuard> g = new LinkedHashMap<>();
        for (LanePool p : pools.values()) {
            g.put(p.lane(), newGuard(p, b.scheduler));
        }
        this.guards = Collections.unmodifiableMap(g);
        Map<Lane, List<Loan>> l = new LinkedHashMap<>();
        for (Builder.LoanSpec spec : b.loanSpecs) {
            l.computeIfAbsent(spec.to(), k -> new ArrayList<>()).add(new Loan(pools.get(spec.from()), guards.get(spec.from()).gate(), spec.reserve(), pools.get(spec.to())));
        }
        this.loans = Collections.unmodifiableMap(l);
        // capacity a lender frees may be lent at once: wake the borrowers' queues
        for (LanePool lender : pools.values()) {
            List<AdmissionGate> borrowers = new ArrayList<>();
            l.forEach((lane, list) -> list.stream().filter(x -> x.lender == lender).forEach(x -> borrowers.add(guards.get(lane).gate())));
            if (!borrowers.isEmpty()) {
                guards.get(lender.lane()).gate().afterRelease(() -> borrowers.forEach(AdmissionGate::drain));
            }
        }
        loans.forEach((lane, list) -> guards.get(lane).gate().borrowable(() -> {
            int n = 0;
            for (Loan loan : list) {
                n += loan.lendable() + loan.lentOut.get();   // what is lent now counts too: it runs admitted work
            }
            return n;
        }));
        pools.values().forEach(this::registerMeters);
        this.budgetReserve = b.budgetReserve;
        this.checkBudget = b.checkBudget;
        this.closeGrace = b.closeGrace;
        this.scheduler = b.scheduler;
        this.database = Database.over(this);
    }

    /** Lending from one lane to another: connections above the lender's reserve. */
    private static final class Loan {
        final LanePool lender;
        final AdmissionGate lenderGate;
        final int reserve;
        final java.util.concurrent.atomic.AtomicInteger lentOut = new java.util.concurrent.atomic.AtomicInteger();

        /** Switches a lent connection to the borrower's settings, and back on return. */
        final String borrowSql;
        final String restoreSql;

        Loan(LanePool lender, AdmissionGate lenderGate, int reserve, LanePool borrower) {
            this.lender = lender;
            this.lenderGate = lenderGate;
            this.reserve = reserve;
            // session settings that differ: the borrower's value (or the server's default) while borrowed;
            // RESET gives the connection back its own lane's value, which it got at startup
            Map<String, String> mine = lender.config().sessionSettings();
            Map<String, String> theirs = borrower.config().sessionSettings();
            java.util.SortedSet<String> differ = new java.util.TreeSet<>(mine.keySet());
            differ.addAll(theirs.keySet());
            differ.removeIf(k -> java.util.Objects.equals(mine.get(k), theirs.get(k)));
            StringBuilder borrow = new StringBuilder(borrower.borrowSql());
            StringBuilder restore = new StringBuilder(LanePool.RESTORE_SQL);
            for (String k : differ) {
                String v = theirs.get(k);
                borrow.append("; SET ").append(k).append(v == null ? " TO DEFAULT" : " = '" + v.replace("'", "''") + "'");
                restore.append("; RESET ").append(k);
            }
            this.borrowSql = borrow.toString();
            this.restoreSql = restore.toString();
        }

        /** Connections the lender can spare now: its size, less its own work, what is lent out and the reserve. */
        int lendable() {
            return Math.max(0, lender.config().maxSize() - lenderGate.inFlight() - lentOut.get() - reserve);
        }
    }

    private LaneGuard newGuard(LanePool p, Scheduler scheduler) {
        LaneConfig c = p.config();
        Limit limit = c.adaptive() ? new Gradient2Limit(c.admissionLimit(), c.adaptiveMin(), c.adaptiveMax())
                : new FixedLimit(c.admissionLimit());
        AdmissionGate gate = new AdmissionGate(p.lane(), limit, c.maxPendingAcquires(), c.acquireTimeout(), scheduler, p::snapshot);
        CircuitBreaker breaker = null;
        if (c.circuitBreaker() != null) {
            breaker = CircuitBreaker.of("sluice-" + p.lane().name(), CircuitBreakerConfig.from(c.circuitBreaker())
                    .recordException(Lanes::countsAgainstBreaker)
                    .ignoreException(Lanes::ignoredByBreaker)
                    .build());
            String lane = p.lane().name();
            breaker.getEventPublisher().onStateTransition(e -> meters.counter(SluiceMeters.BREAKER_TRANSITIONS, "lane", lane,
                    "from", e.getStateTransition().getFromState().name().toLowerCase(java.util.Locale.ROOT),
                    "to", e.getStateTransition().getToState().name().toLowerCase(java.util.Locale.ROOT)).increment());
        }
        return new LaneGuard(p.lane(), gate, breaker, c.retry(), scheduler, meters);
    }

    /** Only infrastructure failures open a breaker: a constraint violation or bad SQL is the caller's error. */
    static boolean countsAgainstBreaker(Throwable e) {
        if (e instanceof io.sluice.AdmissionTimeoutException) {
            return false;
        }
        io.sluice.FailureKind kind = io.sluice.Failures.classify(e);
        return kind != null && kind.isInfrastructure();
    }

    /** Rejections by Sluice itself and the caller's own exceptions say nothing about the database. */
    static boolean ignoredByBreaker(Throwable e) {
        if (e instanceof io.sluice.AdmissionTimeoutException) {
            return true; // waited for its own lane's admission: says nothing about the database
        }
        io.sluice.FailureKind kind = io.sluice.Failures.classify(e);
        return kind == null || kind == io.sluice.FailureKind.OVERLOADED || kind == io.sluice.FailureKind.CIRCUIT_OPEN
                || kind == io.sluice.FailureKind.LANE_CLOSED || kind == io.sluice.FailureKind.USAGE
                || kind == io.sluice.FailureKind.DEADLINE_EXCEEDED || kind == io.sluice.FailureKind.PROTOCOL_VIOLATION;
    }

    private void registerMeters(LanePool p) {
        String lane = p.lane().name();
        AdmissionGate gate = guards.get(p.lane()).gate();
        io.micrometer.core.instrument.FunctionCounter.builder(SluiceMeters.ADMITTED, gate, x -> x.admitted.sum())
                .tag("lane", lane).register(meters);
        io.micrometer.core.instrument.FunctionCounter.builder(SluiceMeters.REJECTED, gate, x -> x.rejected.sum())
                .tag("lane", lane).tag("reason", "overloaded").register(meters);
        io.micrometer.core.instrument.FunctionCounter.builder(SluiceMeters.REJECTED, gate, x -> x.queueTimeouts.sum())
                .tag("lane", lane).tag("reason", "queue_timeout").register(meters);
        io.micrometer.core.instrument.FunctionCounter.builder(SluiceMeters.REJECTED, gate, x -> x.deadlineExpired.sum())
                .tag("lane", lane).tag("reason", "deadline").register(meters);
        io.micrometer.core.instrument.Gauge.builder(SluiceMeters.IN_FLIGHT, gate, AdmissionGate::inFlight).tag("lane", lane).register(meters);
        io.micrometer.core.instrument.Gauge.builder(SluiceMeters.QUEUED, gate, AdmissionGate::queued).tag("lane", lane).register(meters);
        io.micrometer.core.instrument.Gauge.builder(SluiceMeters.LIMIT, gate, AdmissionGate::effectiveLimit).tag("lane", lane).register(meters);
        io.micrometer.core.instrument.Gauge.builder(SluiceMeters.CONNECTIONS, p, x -> x.snapshot().acquired()).tag("lane", lane).tag("state", "active").register(meters);
        io.micrometer.core.instrument.Gauge.builder(SluiceMeters.CONNECTIONS, p, x -> x.snapshot().idle()).tag("lane", lane).tag("state", "idle").register(meters);
        io.micrometer.core.instrument.Gauge.builder(SluiceMeters.CONNECTIONS, p, x -> x.snapshot().pending()).tag("lane", lane).tag("state", "pending").register(meters);
        io.micrometer.core.instrument.Gauge.builder(SluiceMeters.CONNECTIONS, p, x -> x.config().maxSize()).tag("lane", lane).tag("state", "max").register(meters);
        CircuitBreaker breaker = guards.get(p.lane()).breaker();
        if (breaker != null) {
            io.micrometer.core.instrument.Gauge.builder(SluiceMeters.BREAKER_STATE, breaker, b -> switch (b.getState()) {
                case CLOSED -> 0;
                case HALF_OPEN -> 1;
                case OPEN -> 2;
                default -> 3;
            }).tag("lane", lane).register(meters);
        }
    }

    public static Builder builder(ServerConfig server) {
        return new Builder(Check.notNull("server", server));
    }

    /** The facade over these lanes. */
    public Database database() {
        return database;
    }

    /**
     * Checks the connection budget, opens each lane's initial connections and starts refilling lanes to
     * their minimum in the background. Cold; emits this instance. Logs a warning when one of the driver's
     * loggers that print bind values is at DEBUG (see {@code DriverLogging}).
     *
     * @return fails with {@link ConfigurationException} when the lanes' total maxSize does not fit the
     *         server's {@code max_connections} minus its superuser reserve and {@code budgetReserve}, and
     *         with {@link ConnectionUnavailableException} when the server cannot be reached
     */
    public Mono<Lanes> start() {
        Mono<Void> budget = checkBudget ? checkBudget() : Mono.empty();
        return Mono.fromRunnable(DriverLogging::warnIfValuesLogged)
                .then(budget)
                .then(Flux.fromIterable(pools.values()).concatMap(LanePool::warmup).then())
                .doOnSuccess(v -> {
                    startRefill();
                    startPriority();
                })
                .thenReturn(this);
    }

    private Mono<Void> checkBudget() {
        LanePool first = pools.values().iterator().next();
        return Mono.usingWhen(Mono.from(first.rawFactory().create()),
                        c -> Mono.from(c.createStatement("SELECT current_setting('max_connections')::int, "
                                        + "current_setting('superuser_reserved_connections')::int").execute())
                                .flatMap(r -> Mono.from(r.map(row -> new int[]{row.get(0, Integer.class), row.get(1, Integer.class)}))),
                        Connection::close)
                .onErrorMap(e -> !(e instanceof ConfigurationException), e -> new ConnectionUnavailableException(
                        "could not connect to PostgreSQL at " + first.target() + " to start the lanes: " + e.getMessage()
                                + ". Check that the server is running and that host, port, database and user are right "
                                + "(PGHOST, PGPORT, PGDATABASE, PGUSER or the URL)", null, null, null, null, e))
                .flatMap(limits -> {
                    int allowed = limits[0] - limits[1] - budgetReserve;
                    int wanted = pools.values().stream().mapToInt(p -> p.config().maxSize()).sum();
                    if (wanted > allowed) {
                        String each = pools.values().stream().map(p -> p.lane().name() + "=" + p.config().maxSize())
                                .collect(Collectors.joining(", "));
                        return Mono.error(new ConfigurationException("maxSize", "the lanes' maxSize add up to " + wanted
                                + " (" + each + ") but the server allows " + allowed + " for them: max_connections="
                                + limits[0] + " - superuser_reserved_connections=" + limits[1] + " - budgetReserve="
                                + budgetReserve + ". Lower the lanes' maxSize, lower budgetReserve, or raise max_connections"));
                    }
                    return Mono.empty();
                });
    }

    private void startRefill() {
        if (pools.values().stream().noneMatch(p -> p.config().minIdle() > 0 || p.config().initialSize() > 0
                || p.config().leakDetectionThreshold() != null)) {
            return;
        }
        Duration every = pools.values().stream().map(p -> p.config().evictionInterval()).min(Duration::compareTo).orElseThrow();
        refill = Flux.interval(every, scheduler)
                .onBackpressureDrop()
                .concatMap(t -> Flux.fromIterable(pools.values())
                        .filter(p -> !p.isClosing())
                        .doOnNext(p -> {
                            int suspects = p.leakSuspects();
                            if (suspects > 0) {
                                meters.counter(SluiceMeters.LEAK_SUSPECTS, "lane", p.lane().name()).increment(suspects);
                            }
                        })
                        .concatMap(p -> p.replaceExpired().onErrorResume(e -> Mono.empty())
                                .then(p.warmup().onErrorResume(e -> Mono.empty()))), 1)
                .subscribe();
    }

    /**
     * Every {@code priorityInterval}: while a lane with a latency target misses it (p99 of its work
     * completed since its last verdict, once at least 100 units completed or 5 intervals passed: the p99 of a
     * handful is noise), every lane of lower priority that had work since the last tick yields — its
     * admission limit is halved (never below 1) — and once every higher lane meets its target again, it grows
     * back by a tenth of its limit per verdict. A lane with no work is not what slows the higher one (a GC
     * pause or a cold JIT is): it keeps its limit, and does not start throttled when its work arrives.
     */
    private void startPriority() {
        if (guards.keySet().stream().noneMatch(l -> pools.get(l).config().latencyTarget() != null)) {
            return;
        }
        priority = Flux.interval(priorityInterval, priorityInterval, scheduler).onBackpressureDrop().subscribe(t -> adjustPriorities());
    }

    void adjustPriorities() {
        List<LanePool> missing = new ArrayList<>();
        List<LanePool> undecided = new ArrayList<>();
        for (LanePool p : pools.values()) {
            Duration target = p.config().latencyTarget();
            if (target != null) {
                int verdict = guards.get(p.lane()).gate().latencyVerdict(target.toNanos());
                if (verdict > 0) {
                    missing.add(p);
                } else if (verdict == 0) {
                    undecided.add(p);
                }
            }
        }
        for (LanePool p : pools.values()) {
            AdmissionGate gate = guards.get(p.lane()).gate();
            int priority = p.config().priority();
            boolean busy = gate.busySinceLastTick();
            if (missing.stream().anyMatch(h -> h.config().priority() > priority)) {
                if (busy) {
                    gate.yieldFactor(gate.yieldFactor() / 2);
                }
            } else if (undecided.stream().noneMatch(h -> h.config().priority() > priority)) {
                gate.yieldFactor(Math.min(1.0, gate.yieldFactor() + 0.1));
            }
        }
    }

    private LanePool pool(Lane lane) {
        LanePool p = pools.get(lane);
        if (p == null) {
            throw new UnknownLaneException(lane, pools.keySet());
        }
        return p;
    }

    @Override
    public <T> Flux<T> guard(Lane lane, Flux<T> unit) {
        LaneGuard g = guards.get(lane);
        return g == null ? unit : g.guard(unit);
    }

    @Override
    public <T> Mono<T> guard(Lane lane, Mono<T> unit) {
        LaneGuard g = guards.get(lane);
        return g == null ? unit : g.guard(unit);
    }

    @Override
    public Mono<Connection> acquire(Lane lane) {
        LanePool direct = loans.isEmpty() ? pools.get(lane) : null;
        if (direct != null) {
            return direct.acquire(); // cold already
        }
        return Mono.defer(() -> {
            LanePool own = pool(lane);
            List<Loan> from = loans.get(lane);
            if (from != null && !own.isClosing() && own.leased() >= own.config().maxSize()) {
                for (Loan loan : from) {
                    if (loan.lendable() > 0 && !loan.lender.isClosing()) {
                        return borrow(own, loan);
                    }
                }
            }
            return own.acquire();
        });
    }

    /** A connection of another lane, switched to this lane's timeouts and application_name while borrowed. */
    private Mono<Connection> borrow(LanePool borrower, Loan loan) {
        loan.lentOut.incrementAndGet();
        return loan.lender.acquire()
                .flatMap(c -> LanePool.exec(c, loan.borrowSql)
                        .then(Mono.fromCallable(() -> {
                            borrowed.put(c, loan);
                            meters.counter(SluiceMeters.BORROWED, "lane", borrower.lane().name(), "from", loan.lender.lane().name()).increment();
                            return c;
                        }))
                        .onErrorResume(e -> loan.lender.discard(c).onErrorResume(x -> Mono.empty()).then(Mono.error(e))))
                .doOnError(e -> loan.lentOut.decrementAndGet())
                .doOnCancel(() -> loan.lentOut.decrementAndGet());
    }

    @Override
    public Mono<Void> release(Lane lane, Connection connection) {
        return Mono.defer(() -> {
            Loan loan = borrowed.remove(connection);
            if (loan == null) {
                return pool(lane).release(connection);
            }
            // back to its own lane with its own settings
            return LanePool.exec(connection, loan.restoreSql)
                    .then(loan.lender.release(connection))
                    .onErrorResume(e -> loan.lender.discard(connection))
                    .doFinally(s -> loan.lentOut.decrementAndGet());
        });
    }

    @Override
    public Mono<Void> discard(Lane lane, Connection connection) {
        return Mono.defer(() -> {
            Loan loan = borrowed.remove(connection);
            if (loan == null) {
                return pool(lane).discard(connection);
            }
            return loan.lender.discard(connection).doFinally(s -> loan.lentOut.decrementAndGet());
        });
    }

    @Override
    public Mono<Void> cancelStatement(Lane lane, Connection connection) {
        return Mono.defer(() -> pool(lane).cancelStatement(connection));
    }

    @Override
    public LaneSettings settings(Lane lane) {
        return pool(lane).settings();
    }

    @Override
    public Set<Lane> lanes() {
        return pools.keySet();
    }

    /** The lane's configuration. */
    public LaneConfig config(Lane lane) {
        return pool(lane).config();
    }

    /** The lane's pool right now. */
    public PoolSnapshot snapshot(Lane lane) {
        PoolSnapshot s = pool(lane).snapshot();
        int queued = guards.get(lane).gate().queued();
        return queued == 0 ? s : new PoolSnapshot(s.maxSize(), s.allocated(), s.acquired(), s.idle(), s.pending() + queued);
    }

    /** The lane's admission: work in flight, waiting, and the limit now. */
    public AdmissionSnapshot admission(Lane lane) {
        pool(lane);
        AdmissionGate g = guards.get(lane).gate();
        CircuitBreaker b = guards.get(lane).breaker();
        return new AdmissionSnapshot(g.inFlight(), g.queued(), g.effectiveLimit(), g.maxQueue(),
                b == null ? "NONE" : b.getState().name());
    }

    public ServerConfig server() {
        return server;
    }

    /**
     * Stops admitting work on every lane (new work fails with {@link LaneClosedException}), waits up to
     * {@code grace} for in-flight work to hand its connections back, then closes every connection. Work
     * still running after the grace period fails when its connection closes. Idempotent.
     */
    public Mono<Void> closeGracefully(Duration grace) {
        Check.notNegative("grace", grace);
        return Mono.defer(() -> {
            if (!closed.compareAndSet(false, true)) {
                return Mono.empty();
            }
            refill.dispose();
            priority.dispose();
            guards.values().forEach(g -> g.gate().close());
            pools.values().forEach(LanePool::stopAdmitting);
            Mono<Void> drained = Flux.interval(Duration.ZERO, Duration.ofMillis(10), scheduler)
                    .filter(t -> pools.values().stream().allMatch(p -> p.snapshot().acquired() == 0))
                    .next()
                    .then()
                    .timeout(grace, Mono.empty(), scheduler);
            List<Mono<Void>> disposals = new ArrayList<>();
            pools.values().forEach(p -> disposals.add(p.dispose().onErrorResume(e -> Mono.empty())));
            return drained.then(Mono.when(disposals));
        });
    }

    /** {@link #closeGracefully(Duration)} with the configured grace period, waiting for it to finish. */
    @Override
    public void close() {
        closeGracefully(closeGrace).block(closeGrace.plusSeconds(30));
    }

    @Override
    public String toString() {
        return "Lanes[" + server.describe() + ", lanes=" + pools.keySet() + "]";
    }

    /** Builder of {@link Lanes}. */
    public static final class Builder {
        private final ServerConfig server;
        private final Map<Lane, LaneConfig> lanes = new LinkedHashMap<>();
        private int budgetReserve = 5;
        private boolean checkBudget = true;
        private Duration closeGrace = Duration.ofSeconds(10);
        private Scheduler scheduler = Schedulers.parallel();
        private MeterRegistry meters = io.micrometer.core.instrument.Metrics.globalRegistry;
        private Duration priorityInterval = Duration.ofMillis(200);
        private final List<LoanSpec> loanSpecs = new ArrayList<>();

        record LoanSpec(Lane from, Lane to, int reserve) {
        }

        private Builder(ServerConfig server) {
            this.server = server;
        }

        /**
         * Adds a lane.
         *
         * @throws ConfigurationException when the lane was added already
         */
        public Builder lane(LaneConfig config) {
            Check.notNull("lane", config);
            if (lanes.containsKey(config.lane())) {
                throw new ConfigurationException("lane", "lane '" + config.lane().name() + "' is configured twice");
            }
            lanes.put(config.lane(), config);
            return this;
        }

        /** Adds a lane with default settings. */
        public Builder lane(Lane lane) {
            return lane(LaneConfig.builder(lane).build());
        }

        /** Server connections to leave for others (psql, migrations, replicas) when checking the budget; default 5. */
        public Builder budgetReserve(int connections) {
            this.budgetReserve = Check.atLeast("budgetReserve", connections, 0);
            return this;
        }

        /** Whether {@link Lanes#start()} checks the lanes' total size against {@code max_connections}; default true. */
        public Builder checkBudget(boolean check) {
            this.checkBudget = check;
            return this;
        }

        /** How long {@link Lanes#close()} lets in-flight work finish; default 10 s. */
        public Builder closeGracePeriod(Duration grace) {
            this.closeGrace = Check.notNegative("closeGracePeriod", grace);
            return this;
        }

        /** The scheduler for background refills and close polling; injectable for tests. */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = Check.notNull("scheduler", scheduler);
            return this;
        }

        /** Where meters go (see {@link SluiceMeters}); default Micrometer's global registry. */
        public Builder meterRegistry(MeterRegistry registry) {
            this.meters = Check.notNull("meterRegistry", registry);
            return this;
        }

        /** How often lane priorities are re-evaluated against latency targets; default 200 ms. */
        public Builder priorityInterval(Duration interval) {
            this.priorityInterval = Check.positive("priorityInterval", interval);
            return this;
        }

        /**
         * Lets {@code from} lend idle connections to {@code to} while {@code to}'s own pool is exhausted,
         * always keeping {@code reserve} connections for {@code from}'s own demand. A borrowed connection
         * runs with the borrower's timeouts and application_name and goes back to {@code from} when it is
         * released. Both lanes must connect as the same role with the same session settings.
         */
        public Builder lend(Lane from, Lane to, int reserve) {
            Check.notNull("lend from", from);
            Check.notNull("lend to", to);
            Check.atLeast("lend reserve", reserve, 0);
            if (from.equals(to)) {
                throw new ConfigurationException("lend", "a lane cannot lend to itself: " + from);
            }
            loanSpecs.add(new LoanSpec(from, to, reserve));
            return this;
        }

        /**
         * Validates and builds; opens no connection (see {@link Lanes#start()}).
         *
         * @throws ConfigurationException when no lane is configured
         */
        public Lanes build() {
            if (lanes.isEmpty()) {
                throw new ConfigurationException("lane", "no lane is configured; add at least one with .lane(...)");
            }
            for (LoanSpec l : loanSpecs) {
                LaneConfig from = lanes.get(l.from());
                LaneConfig to = lanes.get(l.to());
                if (from == null || to == null) {
                    throw new ConfigurationException("lend", "lend(" + l.from() + ", " + l.to() + ") names a lane that is not configured");
                }
                if (l.reserve() >= from.maxSize()) {
                    throw new ConfigurationException("lend reserve", "lend reserve (" + l.reserve() + ") must be below lane '"
                            + l.from().name() + "' maxSize (" + from.maxSize() + "), or nothing is left to lend");
                }
                if (!java.util.Objects.equals(from.user(), to.user())
                        || !from.sessionInit().equals(to.sessionInit()) || from.readOnly() != to.readOnly()
                        || from.isolation() != to.isolation()) {
                    throw new ConfigurationException("lend", "lanes '" + l.from().name() + "' and '" + l.to().name()
                            + "' cannot share connections: they differ in role, session init, read-only or isolation. "
                            + "Timeouts, application_name and session settings may differ (a borrowed connection is "
                            + "switched to the borrower's and back)");
                }
            }
            return new Lanes(this);
        }
    }
}
