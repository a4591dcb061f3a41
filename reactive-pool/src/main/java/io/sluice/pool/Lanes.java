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
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Disposable refill = reactor.core.Disposables.single();

    private Lanes(Builder b) {
        this.server = b.server;
        Map<Lane, LanePool> m = new LinkedHashMap<>();
        for (LaneConfig c : b.lanes.values()) {
            m.put(c.lane(), new LanePool(b.server, c));
        }
        this.pools = Collections.unmodifiableMap(m);
        this.budgetReserve = b.budgetReserve;
        this.checkBudget = b.checkBudget;
        this.closeGrace = b.closeGrace;
        this.scheduler = b.scheduler;
        this.database = Database.over(this);
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
     * their minimum in the background. Cold; emits this instance.
     *
     * @return fails with {@link ConfigurationException} when the lanes' total maxSize does not fit the
     *         server's {@code max_connections} minus its superuser reserve and {@code budgetReserve}, and
     *         with {@link ConnectionUnavailableException} when the server cannot be reached
     */
    public Mono<Lanes> start() {
        Mono<Void> budget = checkBudget ? checkBudget() : Mono.empty();
        return budget
                .then(Flux.fromIterable(pools.values()).concatMap(LanePool::warmup).then())
                .doOnSuccess(v -> startRefill())
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
        if (pools.values().stream().noneMatch(p -> p.config().minIdle() > 0 || p.config().initialSize() > 0)) {
            return;
        }
        Duration every = pools.values().stream().map(p -> p.config().evictionInterval()).min(Duration::compareTo).orElseThrow();
        refill = Flux.interval(every, scheduler)
                .onBackpressureDrop()
                .concatMap(t -> Flux.fromIterable(pools.values())
                        .filter(p -> !p.isClosing())
                        .concatMap(p -> p.warmup().onErrorResume(e -> Mono.empty())), 1)
                .subscribe();
    }

    private LanePool pool(Lane lane) {
        LanePool p = pools.get(lane);
        if (p == null) {
            throw new UnknownLaneException(lane, pools.keySet());
        }
        return p;
    }

    @Override
    public Mono<Connection> acquire(Lane lane) {
        return Mono.defer(() -> pool(lane).acquire());
    }

    @Override
    public Mono<Void> release(Lane lane, Connection connection) {
        return Mono.defer(() -> pool(lane).release(connection));
    }

    @Override
    public Mono<Void> discard(Lane lane, Connection connection) {
        return Mono.defer(() -> pool(lane).discard(connection));
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
        return pool(lane).snapshot();
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

        /**
         * Validates and builds; opens no connection (see {@link Lanes#start()}).
         *
         * @throws ConfigurationException when no lane is configured
         */
        public Lanes build() {
            if (lanes.isEmpty()) {
                throw new ConfigurationException("lane", "no lane is configured; add at least one with .lane(...)");
            }
            return new Lanes(this);
        }
    }
}
