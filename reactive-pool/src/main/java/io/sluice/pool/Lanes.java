package io.sluice.pool;

import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.ConfigurationException;
import io.sluice.ConnectionUnavailableException;
import io.sluice.Database;
import io.sluice.Lane;
import io.sluice.LaneClosedException;
import io.sluice.PoolSnapshot;
import io.sluice.UnknownLaneException;
import io.sluice.spi.ConnectionSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The lanes of one application: the registry of its {@link Lane}s, each one object ({@code PooledLane})
 * owning its pool, admission gate, breaker, retry and settings, all to one server. Implements
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

    private static final reactor.util.Logger LOG = reactor.util.Loggers.getLogger(Lanes.class);

    private final ServerConfig server;
    private final Map<Lane, PooledLane> lanes;
    private final List<PooledLane> all;
    private final int budgetReserve;
    private final boolean checkBudget;
    private final Duration closeGrace;
    private final Scheduler scheduler;
    private final Database database;
    private final Duration priorityInterval;
    private final PriorityControl priorityControl;
    private final Maintenance maintenance;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Disposable priority = reactor.core.Disposables.single();
    private volatile Disposable refill = reactor.core.Disposables.single();
    private final LeakReports leaks;
    private final Monitor monitor;
    private volatile Disposable watch = reactor.core.Disposables.single();
    private final SlowStatements slowStatements = new SlowStatements();
    /** Lanes that read from standbys: their routers, checks and standby pools. */
    private final LaneReplicas replicas;

    private Lanes(Builder b) {
        this.server = b.server;
        // without a registry, Sluice's own counters go to an empty composite: registered nowhere, recording nothing
        MeterRegistry meters = b.meters != null ? b.meters : new io.micrometer.core.instrument.composite.CompositeMeterRegistry();
        Map<Lane, PooledLane> m = new LinkedHashMap<>();
        for (LaneConfig c : b.lanes.values()) {
            m.put(c.lane(), new PooledLane(b.server, c, b.scheduler, meters,
                    new LaneMeters(c, b.meters, b.meterHistograms, slowStatements)));
        }
        this.lanes = Collections.unmodifiableMap(m);
        this.all = List.copyOf(m.values());
        Map<Lane, List<Lending.Loan>> loans = new LinkedHashMap<>();
        for (Builder.LoanSpec spec : b.loanSpecs) {
            PooledLane from = m.get(spec.from());
            loans.computeIfAbsent(spec.to(), k -> new ArrayList<>())
                    .add(new Lending.Loan(from.pool(), from.gate(), spec.reserve(), m.get(spec.to()).pool(), meters));
        }
        loans.forEach((lane, list) -> m.get(lane).borrowFrom(new Lending(m.get(lane).pool(), list)));
        // capacity a lender frees may be lent at once: wake the borrowers' queues
        for (PooledLane lender : all) {
            List<AdmissionGate> borrowers = new ArrayList<>();
            loans.forEach((lane, list) -> list.stream().filter(x -> x.lender == lender.pool()).forEach(x -> borrowers.add(m.get(lane).gate())));
            if (!borrowers.isEmpty()) {
                lender.gate().afterRelease(() -> borrowers.forEach(AdmissionGate::drain));
            }
        }
        this.replicas = new LaneReplicas(m, b.readReplicas, meters);
        all.forEach(l -> l.meters().bind(l));
        this.leaks = new LeakReports(meters);
        all.forEach(l -> l.pool().leakReports(leaks));
        this.budgetReserve = b.budgetReserve;
        this.checkBudget = b.checkBudget;
        this.closeGrace = b.closeGrace;
        this.scheduler = b.scheduler;
        this.priorityInterval = b.priorityInterval;
        this.priorityControl = new PriorityControl(all);
        this.maintenance = new Maintenance(all, meters, b.instances);
        this.database = Database.over(this);
        this.monitor = new Monitor(all, b.healthProbeInterval, b.healthPolicy, b.alertRules, b.alertInterval,
                b.statsLogInterval, b.scheduler);
    }

    public static Builder builder(ServerConfig server) {
        return new Builder(Check.notNull("server", server));
    }

    /** The facade over these lanes. */
    public Database database() {
        return database;
    }

    /**
     * Checks the connection budget, opens each lane's initial connections (and its standbys': one that
     * cannot be reached starts out of rotation, it does not fail the start) and starts refilling lanes to
     * their minimum in the background. Cold; emits this instance. Logs a warning when one of the driver's
     * loggers that print bind values is at DEBUG (see {@code DriverLogging}).
     *
     * @return fails with {@link ConfigurationException} when the lanes' total maxSize (times
     *         {@link Builder#instances}) does not fit the server's {@code max_connections} minus its superuser
     *         reserve, {@code budgetReserve} and what other clients hold (no check through a pooler in
     *         transaction mode), and with {@link ConnectionUnavailableException} when the server cannot be
     *         reached
     */
    public Mono<Lanes> start() {
        Mono<Void> budget = checkBudget ? maintenance.checkBudget(budgetReserve) : Mono.empty();
        return Mono.fromRunnable(DriverLogging::warnIfValuesLogged)
                .then(budget)
                .then(Flux.fromIterable(all).concatMap(l -> l.pool().warmup()).then())
                .then(replicas.warmup())
                .doOnSuccess(v -> {
                    refill = maintenance.start(scheduler);
                    priority = priorityControl.start(priorityInterval, scheduler);
                    watch = monitor.start();
                    replicas.start(scheduler);
                })
                .thenReturn(this);
    }

    @Override
    public PooledLane lane(Lane lane) {
        PooledLane l = lanes.get(lane);
        if (l == null) {
            throw new UnknownLaneException(lane, lanes.keySet());
        }
        return l;
    }

    @Override
    public Set<Lane> lanes() {
        return lanes.keySet();
    }

    /** The lane's configuration. */
    public LaneConfig config(Lane lane) {
        return lane(lane).config();
    }

    /** The lane's pool right now ({@code pending}: callers waiting for a connection and for admission). */
    public PoolSnapshot snapshot(Lane lane) {
        return lane(lane).snapshot();
    }

    /** The lane's admission: work in flight, waiting, and the limit now. */
    public AdmissionSnapshot admission(Lane lane) {
        return lane(lane).admission();
    }

    public ServerConfig server() {
        return server;
    }

    /**
     * Leak reports of every lane with a {@link LaneConfig#leakDetectionThreshold()}: a connection held past
     * it is reported once ({@link LeakEvent.Kind#SUSPECTED}, also a WARN line with its call site and the
     * {@link SluiceMeters#LEAK_SUSPECTS} counter), and again when it is finally handed back
     * ({@link LeakEvent.Kind#RELEASED}, an INFO line). Hot: events from subscription on; a subscriber that
     * does not keep up misses events rather than slowing the lanes.
     */
    public Flux<LeakEvent> leaks() {
        return leaks.events();
    }

    // Runtime control. Each method acts when called (subscribing to its Mono is optional) and fails at once,
    // by throwing, for an unknown lane (UnknownLaneException), after close (LaneClosedException) and for an
    // invalid value (ConfigurationException); the Mono tells when the change has taken full effect.

    /**
     * Resizes a running lane: its pool's maximum, admission limit and queue length (see {@link LaneResize}).
     * Nothing in flight fails. Growing takes effect at once (waiters are admitted), after a check that the
     * lanes' new total maxSize fits the server's {@code max_connections} (as at start, unless the budget
     * check is off). Shrinking takes effect at once for admission; connections above the new maximum close
     * as they are handed back, idle ones at the lane's next eviction sweep.
     *
     * @return completes once applied; fails with {@link ConfigurationException} (and changes nothing) when
     *         the new total exceeds what the server allows, or {@link ConnectionUnavailableException} when
     *         the budget check cannot reach the server
     */
    public Mono<Void> resize(Lane lane, LaneResize resize) {
        Check.notNull("resize", resize);
        PooledLane l = running(lane);
        int admission = l.checkResize(resize);
        Integer newMax = resize.maxSize();
        Mono<Void> budget = Mono.empty();
        if (checkBudget && newMax != null && newMax > l.maxSize()) {
            budget = maintenance.checkBudget(budgetReserve, x -> (x == l ? newMax : x.maxSize()) + x.config().sharedConnections(),
                    "cannot resize lane '" + lane.name() + "' to maxSize " + newMax + ": ");
        }
        Mono<Void> done = budget.then(Mono.fromRunnable(() -> {
                    l.resize(resize, admission);
                    LOG.info("[lane {}] resized: maxSize={}, admissionLimit={}, maxQueue={}", lane.name(), l.maxSize(),
                            admission, l.gate().maxQueue());
                }))
                .doOnError(e -> LOG.warn("[lane {}] not resized: {}", lane.name(), e.getMessage()))
                .then()
                .cache();
        done.subscribe(null, e -> { });
        return done;
    }

    /**
     * Drains a lane: it stops admitting at once; new work, and work waiting in its queue, fails with
     * {@link io.sluice.LaneDrainingException} (an overload: never counted by the breaker, never retried in
     * the lane); work in flight finishes; other lanes keep serving. Its connections stay open; see
     * {@link #resume(Lane)}.
     *
     * @return completes when no work of the lane is in flight any more
     */
    public Mono<Void> drain(Lane lane) {
        PooledLane l = running(lane);
        l.gate().pause();
        LOG.info("[lane {}] draining: {} in flight", lane.name(), l.gate().inFlight());
        Mono<Void> done = Flux.interval(Duration.ZERO, Duration.ofMillis(10), scheduler)
                .filter(t -> l.gate().inFlight() == 0 || closed.get())
                .next()
                .then()
                .cache();
        done.subscribe(null, e -> { });
        return done;
    }

    /** Admits work again on a drained lane (nothing when it is not drained). */
    public void resume(Lane lane) {
        PooledLane l = running(lane);
        l.gate().resume();
        LOG.info("[lane {}] resumed", lane.name());
    }

    /** Whether the lane is drained (see {@link #drain(Lane)}). */
    public boolean isDraining(Lane lane) {
        return lane(lane).gate().paused();
    }

    /**
     * Replaces every connection of a lane gracefully, e.g. after a credential rotation (with a
     * {@link ServerConfig.Builder#passwordSupplier}, new connections use the new password): no connection
     * open now is handed out again; idle ones close at once and are replaced, busy ones close when handed
     * back, and the lane refills to its minIdle. No work fails; admission is not interrupted.
     *
     * @return completes once every connection that was open when called is closed
     */
    public Mono<Void> refresh(Lane lane) {
        PooledLane l = running(lane);
        LOG.info("[lane {}] refreshing its connections", lane.name());
        Mono<Void> done = Mono.when(l.pool().refresh(scheduler), replicas.refresh(lane, scheduler)).cache();
        done.subscribe(null, e -> { });
        return done;
    }

    /**
     * The standbys of a lane that reads from them ({@link Builder#readReplicas}), each as the last check or
     * failed acquire found it: in rotation, lagging or down, with its lag and why it is out. Empty for a
     * lane without standbys. Never touches the network.
     *
     * @throws UnknownLaneException for a lane that is not configured
     */
    public List<ReplicaStatus> replicas(Lane lane) {
        lane(lane);
        return replicas.status(lane);
    }

    /**
     * Where the primary's WAL is now, asked on {@code lane}'s primary (never a standby): taken after a write
     * completed, a read with {@link ReadYourWrites#after(WalPosition)} sees that write. Cold; one query
     * ({@code pg_current_wal_lsn()}) under the lane's admission, breaker and retry (it is safe to repeat).
     */
    public Mono<WalPosition> commitPosition(Lane lane) {
        return database.sql(lane, "SELECT pg_current_wal_lsn()::text").idempotent()
                .map(row -> WalPosition.parse(String.valueOf(row.get(0, String.class)))).one()
                .contextWrite(ReadYourWrites.primary());
    }

    /** The lane, for a control call: throws when it is unknown or the lanes are closed. */
    private PooledLane running(Lane lane) {
        Check.notNull("lane", lane);
        PooledLane l = lane(lane);
        if (closed.get()) {
            throw new LaneClosedException(lane);
        }
        return l;
    }

    /**
     * The lanes' health: each lane's and the server's status, reasons and figures. Cold; never fails. The
     * server's side comes from a probe (one query on a pooled connection, never a new connection per call)
     * whose answer is reused for {@code healthProbeInterval}: most calls run no query at all, and concurrent
     * calls share one probe. While the probe runs, the call waits for it (at most the probing lane's
     * acquireTimeout + validationTimeout). See {@link #currentHealth()} for an answer that never waits.
     */
    public Mono<Health> health() {
        return monitor.health();
    }

    /** The lanes' health now, from the live figures and the last probe's answer (none while no probe ran); never touches the network. */
    public Health currentHealth() {
        return monitor.currentHealth();
    }

    /**
     * Alert transitions (RAISED, CLEARED) of every lane, as they happen. Hot: a subscriber sees those after
     * it subscribed, none replayed ({@link #activeAlerts()} has those raised now); a subscriber that cannot
     * keep up misses events rather than slowing the tick. Completes when the lanes close. Each transition is
     * also logged once (WARN raised, INFO cleared). Rules: {@link Builder#alerts(AlertRule...)}.
     */
    public Flux<AlertEvent> alerts() {
        return monitor.alerts();
    }

    /** The alerts raised and not yet cleared, in the order raised. */
    public java.util.List<AlertEvent> activeAlerts() {
        return monitor.activeAlerts();
    }

    /** The lane's live figures, as alert rules see them (rates over the last tick). */
    public LaneFigures figures(Lane lane) {
        lane(lane);
        return monitor.figures(lane);
    }

    Monitor monitor() {
        return monitor;
    }

    /**
     * Units of work that held their connection longer than their lane's {@code slowStatementThreshold}
     * (see {@link LaneConfig.Builder#slowStatementThreshold(Duration)}). Hot and multicast: a subscriber
     * sees the reports made while it is subscribed. Best effort: reporting never waits for a subscriber,
     * so a slow subscriber misses events (the WARN line and the {@code sluice.lane.slow} counter miss
     * none). Completes when the lanes are closed.
     */
    public Flux<SlowStatement> slowStatements() {
        return slowStatements.flux();
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
            watch.dispose();
            replicas.stop();
            monitor.close();
            all.forEach(l -> {
                l.gate().close();
                l.pool().stopAdmitting();
            });
            List<LanePool> standbyPools = replicas.pools();
            standbyPools.forEach(LanePool::stopAdmitting);
            Mono<Void> drained = Flux.interval(Duration.ZERO, Duration.ofMillis(10), scheduler)
                    .filter(t -> all.stream().allMatch(l -> l.pool().snapshot().acquired() == 0 && l.sharedInUse() == 0)
                            && standbyPools.stream().allMatch(p -> p.snapshot().acquired() == 0))
                    .next()
                    .then()
                    .timeout(grace, Mono.empty(), scheduler);
            List<Mono<Void>> disposals = new ArrayList<>();
            all.forEach(l -> disposals.add(l.dispose().onErrorResume(e -> Mono.empty())));
            standbyPools.forEach(p -> disposals.add(p.dispose().onErrorResume(e -> Mono.empty())));
            return drained.then(Mono.when(disposals)).doFinally(s -> slowStatements.complete());
        });
    }

    /** {@link #closeGracefully(Duration)} with the configured grace period, waiting for it to finish. */
    @Override
    public void close() {
        closeGracefully(closeGrace).block(closeGrace.plusSeconds(30));
    }

    @Override
    public String toString() {
        return "Lanes[" + server.describe() + ", lanes=" + lanes.keySet() + "]";
    }

    /** Builder of {@link Lanes}. */
    public static final class Builder {
        private final ServerConfig server;
        private final Map<Lane, LaneConfig> lanes = new LinkedHashMap<>();
        private int budgetReserve = 5;
        private boolean checkBudget = true;
        private int instances = 1;
        private Duration closeGrace = Duration.ofSeconds(10);
        private Scheduler scheduler = Schedulers.parallel();
        private @org.jspecify.annotations.Nullable MeterRegistry meters;
        private boolean meterHistograms;
        private Duration priorityInterval = Duration.ofMillis(200);
        private final List<LoanSpec> loanSpecs = new ArrayList<>();
        private Duration healthProbeInterval = Duration.ofSeconds(10);
        private HealthPolicy healthPolicy = HealthPolicy.defaults();
        private List<AlertRule> alertRules = new ArrayList<>(AlertRule.defaults());
        private Duration alertInterval = Duration.ofSeconds(1);
        private @org.jspecify.annotations.Nullable Duration statsLogInterval;
        private final Map<Lane, ReadReplicas> readReplicas = new LinkedHashMap<>();

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

        /**
         * How many processes (instances of the service) run these lanes against the same server; default 1. The
         * start-up budget check then counts the lanes' total maxSize that many times, besides what other clients
         * hold now (the siblings' connections, found by the lanes' {@code application_name}s, are not counted
         * twice). With 1, every connection the server holds counts as taken, siblings included. Ignored through a
         * pooler in transaction mode, where the pooler bounds the server's connections.
         */
        public Builder instances(int instances) {
            this.instances = Check.atLeast("instances", instances, 1);
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

        /**
         * Where meters go (see {@link SluiceMeters}). Default: none. Sluice then registers nothing and its
         * hot path records nothing; it does not fall back to Micrometer's global registry, so that meters
         * appear only where an application asked for them (pass {@code Metrics.globalRegistry} for that).
         */
        public Builder meterRegistry(MeterRegistry registry) {
            this.meters = Check.notNull("meterRegistry", registry);
            return this;
        }

        /**
         * Whether the timers ({@code db.client.connection.wait_time}, {@code .use_time}, {@code .create_time},
         * {@code sluice.lane.work}) publish percentile histograms, for p95/p99 in Prometheus and the like.
         * Default false: a histogram is dozens of buckets per timer and tag combination.
         */
        public Builder meterHistograms(boolean histograms) {
            this.meterHistograms = histograms;
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
         * How long a health probe's answer (the server's connections and max_connections, and whether it
         * answers at all) is reused by {@link Lanes#health()}; default 10 s. Health checks more frequent than
         * this run no query.
         */
        public Builder healthProbeInterval(Duration interval) {
            this.healthProbeInterval = Check.positive("healthProbeInterval", interval);
            return this;
        }

        /** When saturation makes a lane or the server DEGRADED; default {@link HealthPolicy#defaults()}. */
        public Builder health(HealthPolicy policy) {
            this.healthPolicy = Check.notNull("health", policy);
            return this;
        }

        /**
         * The alert rules, replacing the defaults ({@link AlertRule#defaults()}, on unless replaced);
         * {@code alerts()} with none turns alerting off. To keep the defaults and add one, use
         * {@link #alert(AlertRule)}.
         *
         * @throws ConfigurationException when two rules share a name
         */
        public Builder alerts(AlertRule... rules) {
            List<AlertRule> list = new ArrayList<>();
            for (AlertRule r : Check.notNull("alerts", rules)) {
                list.add(Check.notNull("alerts", r));
            }
            this.alertRules = list;
            return this;
        }

        /** Adds a rule to those configured so far (the defaults unless {@link #alerts(AlertRule...)} replaced them). */
        public Builder alert(AlertRule rule) {
            this.alertRules.add(Check.notNull("alert", rule));
            return this;
        }

        /** How often the alert rules are evaluated over the lanes' figures (and saturation noted for health); default 1 s. */
        public Builder alertInterval(Duration interval) {
            this.alertInterval = Check.positive("alertInterval", interval);
            return this;
        }

        /**
         * Logs one INFO line per lane every {@code interval}: in flight, waiting, limit, connections used, idle
         * and max, p95 wait, rejections and timeouts since the previous line, breaker state. Off by default.
         */
        public Builder statsLogInterval(Duration interval) {
            this.statsLogInterval = Check.positive("statsLogInterval", interval);
            return this;
        }

        /**
         * Lets {@code lane} read from standbys: each unit of the lane runs on the next standby in rotation,
         * with the lane's own settings, admission, breaker and retry; on the lane's own server (the primary)
         * when no standby is in rotation or the standbys tried could not give a connection. A standby that
         * fails, or lags more than {@link ReadReplicas#maxLag()}, is out of rotation until a check finds it
         * answering and caught up (see {@link Lanes#replicas(Lane)}). Per query, {@link ReadYourWrites} asks
         * for a position replayed or for the primary. Each standby has a pool of the lane's maxSize of its
         * own; the start-up budget check counts the primary's connections only.
         *
         * @throws ConfigurationException when the lane was given standbys already
         */
        public Builder readReplicas(Lane lane, ReadReplicas replicas) {
            Check.notNull("lane", lane);
            Check.notNull("readReplicas", replicas);
            if (readReplicas.putIfAbsent(lane, replicas) != null) {
                throw new ConfigurationException("readReplicas", "lane '" + lane.name() + "' is given read replicas twice");
            }
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
            LaneReplicas.check(server, lanes, readReplicas);
            java.util.Set<String> ruleNames = new java.util.HashSet<>();
            for (AlertRule r : alertRules) {
                if (!ruleNames.add(r.name())) {
                    throw new ConfigurationException("alerts", "two alert rules are named '" + r.name()
                            + "'; give each its own name (the defaults' are AlertRule's constants)");
                }
            }
            return new Lanes(this);
        }
    }
}
