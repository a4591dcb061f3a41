package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.BadSqlException;
import io.sluice.CircuitOpenException;
import io.sluice.Database;
import io.sluice.Lane;
import io.sluice.LaneOverloadedException;
import io.sluice.Operation;
import io.sluice.RowMapper;
import io.sluice.TxOptions;
import io.sluice.testing.Await;
import io.sluice.testing.TestLanes;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Every meter of {@link SluiceMeters}, by name, tags and value, after real work against PostgreSQL. */
class MetersTest {

    private static final Lane LANE = Lane.INTERACTIVE;
    private static final String L = "interactive";
    private TestLanes t;
    private SimpleMeterRegistry meters;
    private Lanes lanes;

    @BeforeEach
    void start() {
        t = new TestLanes("meters");
        meters = new SimpleMeterRegistry();
    }

    @AfterEach
    void stop() {
        if (lanes != null) {
            lanes.close();
        }
        assertThat(t.pg().awaitBackends(t.appName(LANE), 0, Duration.ofSeconds(10))).as("connections left on the server").isZero();
        t.close();
    }

    private Database start(LaneConfig.Builder lane) {
        return start(lane, false);
    }

    private Database start(LaneConfig.Builder lane, boolean histograms) {
        lanes = Lanes.builder(t.pg().server()).checkBudget(false).meterRegistry(meters).meterHistograms(histograms)
                .lane(lane.build()).build().start().block();
        return lanes.database();
    }

    private Timer work(String outcome, String operation) {
        return meters.find(SluiceMeters.WORK).tags("lane", L, "outcome", outcome, "operation", operation).timer();
    }

    private long workCount(String outcome, String operation) {
        Timer timer = work(outcome, operation);
        return timer == null ? 0 : timer.count();
    }

    /**
     * The unit's end is recorded when its completion passes the gate, which may be just after {@code block()}
     * returned with its value: wait for the count, then check it.
     */
    private void assertWork(String outcome, String operation, long expected) {
        await(() -> workCount(outcome, operation) >= expected);
        assertThat(workCount(outcome, operation)).as("%s %s; all: %s", outcome, operation, meters.find(SluiceMeters.WORK).timers()
                .stream().map(x -> x.getId().getTags() + "=" + x.count()).toList()).isEqualTo(expected);
    }

    private Timer poolTimer(String name, String operation) {
        return meters.get(name).tags(SluiceMeters.POOL_NAME, L, "lane", L, "operation", operation).timer();
    }

    private double gauge(String name, String... tags) {
        return meters.get(name).tags("lane", L).tags(tags).gauge().value();
    }

    private double functionCounter(String name, String... tags) {
        FunctionCounter c = meters.find(name).tags("lane", L).tags(tags).functionCounter();
        return c == null ? 0 : c.count();
    }

    private double counter(String name, String... tags) {
        var c = meters.find(name).tags("lane", L).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    private static boolean await(java.util.function.BooleanSupplier condition) {
        return Await.until(Duration.ofSeconds(10), condition);
    }

    @Test
    void everyUnitIsCountedByOutcomeAndOperation() {
        Database db = start(t.lane(LANE).maxSize(2));
        db.sql(LANE, "SELECT 1").named("probe.one").rowsUpdated().block();
        db.sql(LANE, "SELECT 1").rowsUpdated().block();
        db.inTransaction(LANE, TxOptions.readOnly().named("probe.tx"), s -> s.sql("SELECT 1").rowsUpdated()).block();
        db.withConnection(LANE, s -> s.sql("SELECT 1").rowsUpdated()).contextWrite(Operation.named("probe.ctx")).block();

        // the application's own exception is neither success nor a database failure
        Mono<Long> mine = db.withConnection(LANE, s -> s.sql("SELECT 1").rowsUpdated().then(Mono.error(new IllegalStateException("mine"))));
        assertThat(mine.onErrorResume(IllegalStateException.class, e -> Mono.empty()).block()).isNull();
        // bad SQL: the failure kind
        assertThat(db.sql(LANE, "SELECT * FROM no_such_table").named("probe.bad").rowsUpdated()
                .onErrorResume(BadSqlException.class, e -> Mono.just(-1L)).block()).isEqualTo(-1L);
        // cancelled mid-statement (a WebFlux timeout, a client disconnect): not a success
        assertThat(db.sql(LANE, "SELECT pg_sleep(5)").named("probe.cancel").rowsUpdated().timeout(Duration.ofMillis(200))
                .onErrorResume(java.util.concurrent.TimeoutException.class, e -> Mono.just(-2L)).block()).isEqualTo(-2L);

        assertWork("success", "probe.one", 1);
        assertWork("success", SluiceMeters.UNNAMED, 1);
        assertWork("success", "probe.tx", 1);
        assertWork("success", "probe.ctx", 1);
        assertWork("application_error", SluiceMeters.UNNAMED, 1);
        assertWork("bad_sql", "probe.bad", 1);
        assertWork("cancelled", "probe.cancel", 1);
        assertThat(meters.find(SluiceMeters.WORK).timers()).extracting(m -> m.getId().getTag("outcome"))
                .containsOnly("success", "application_error", "bad_sql", "cancelled");
        assertThat(work("success", "probe.one").totalTime(java.util.concurrent.TimeUnit.NANOSECONDS)).isPositive();

        // every unit waited for, then held, a connection: timed per operation, with the pool name attribute
        await(() -> poolTimer(SluiceMeters.CONNECTION_USE_TIME, "probe.cancel").count() == 1);
        for (String op : List.of("probe.one", "probe.tx", "probe.ctx", "probe.bad", "probe.cancel")) {
            assertThat(poolTimer(SluiceMeters.CONNECTION_WAIT_TIME, op).count()).as(op).isEqualTo(1);
            // recorded when the connection goes back, which may be just after the caller saw the unit's value
            await(() -> poolTimer(SluiceMeters.CONNECTION_USE_TIME, op).count() == 1);
            assertThat(poolTimer(SluiceMeters.CONNECTION_USE_TIME, op).count()).as(op).isEqualTo(1);
        }
        assertThat(poolTimer(SluiceMeters.CONNECTION_WAIT_TIME, SluiceMeters.UNNAMED).count()).isEqualTo(2);
        assertThat(poolTimer(SluiceMeters.CONNECTION_USE_TIME, "probe.cancel").totalTime(java.util.concurrent.TimeUnit.MILLISECONDS))
                .as("held until the cancelled statement ended").isGreaterThanOrEqualTo(190);
        assertThat(functionCounter(SluiceMeters.ADMITTED)).isEqualTo(7);
    }

    @Test
    void connectionsAreCountedCreatedTimedAndClosedByReason() {
        Database db = start(t.lane(LANE).maxSize(2).initialSize(2));
        Timer create = meters.get(SluiceMeters.CONNECTION_CREATE_TIME).tags(SluiceMeters.POOL_NAME, L, "lane", L).timer();
        assertThat(create.count()).isEqualTo(2);
        assertThat(counter(SluiceMeters.CONNECTIONS_CREATED)).isEqualTo(2);
        assertThat(gauge(SluiceMeters.CONNECTION_COUNT, SluiceMeters.POOL_NAME, L, "state", "idle")).isEqualTo(2);
        assertThat(gauge(SluiceMeters.CONNECTION_COUNT, "state", "used")).isZero();
        assertThat(gauge(SluiceMeters.CONNECTION_MAX, SluiceMeters.POOL_NAME, L)).isEqualTo(2);
        assertThat(gauge(SluiceMeters.CONNECTION_IDLE_MIN)).isZero();

        // a unit whose connection the server killed: the connection is discarded, and replaced on demand
        assertThat(db.sql(LANE, "SELECT pg_terminate_backend(pg_backend_pid())").rowsUpdated()
                .onErrorResume(e -> Mono.just(-1L)).block()).isEqualTo(-1L);
        assertWork("connection_lost", SluiceMeters.UNNAMED, 1);
        assertThat(await(() -> counter(SluiceMeters.CONNECTIONS_CLOSED, "reason", "discarded") == 1)).isTrue();
        db.sql(LANE, "SELECT 1").rowsUpdated().repeat(3).blockLast();
        double created = counter(SluiceMeters.CONNECTIONS_CREATED);
        assertThat(create.count()).isEqualTo((long) created);

        lanes.close();
        lanes = null;
        double open = created - 1;
        assertThat(counter(SluiceMeters.CONNECTIONS_CLOSED, "reason", "shutdown")).isEqualTo(open);
    }

    @Test
    void waitingCallersAreTheRealOnesAndRejectionsAndTimeoutsAreCounted() {
        // no retry: a waiter that timed out would otherwise wait again
        Database db = start(t.lane(LANE).maxSize(1).initialSize(1).maxPendingAcquires(2).acquireTimeout(Duration.ofMillis(400))
                .retry(RetryPolicy.none()));
        Disposable holder = db.sql(LANE, "SELECT pg_sleep(2)").named("holder").rowsUpdated().subscribe(x -> { }, e -> { });
        assertThat(await(() -> gauge(SluiceMeters.CONNECTION_COUNT, "state", "used") == 1)).isTrue();
        assertThat(gauge(SluiceMeters.IN_FLIGHT)).isEqualTo(1);
        assertThat(gauge(SluiceMeters.CONNECTION_COUNT, "state", "idle")).isZero();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        Flux.range(0, 3).flatMap(i -> db.sql(LANE, "SELECT 1").named("waiter").rowsUpdated()
                .onErrorResume(e -> {
                    errors.add(e);
                    return Mono.empty();
                })).subscribe();
        // two wait in the admission queue: the OTel figure counts them, not only the pool's own (zero) waiters
        assertThat(gauge(SluiceMeters.CONNECTION_PENDING, SluiceMeters.POOL_NAME, L)).isEqualTo(2);
        assertThat(gauge(SluiceMeters.QUEUED)).isEqualTo(2);
        assertThat(gauge(SluiceMeters.LIMIT)).isEqualTo(1);
        assertThat(gauge(SluiceMeters.CONNECTION_COUNT, "state", "used")).isEqualTo(1);
        // the third was rejected at once
        assertThat(functionCounter(SluiceMeters.REJECTED, "reason", "overloaded")).isEqualTo(1);
        assertWork("overloaded", "waiter", 1);
        // the two waiting time out after acquireTimeout
        assertThat(await(() -> errors.size() == 3)).as("errors %s, queued %s", errors, gauge(SluiceMeters.QUEUED)).isTrue();
        assertThat(errors).hasAtLeastOneElementOfType(LaneOverloadedException.class);
        assertThat(functionCounter(SluiceMeters.REJECTED, "reason", "queue_timeout")).isEqualTo(2);
        assertThat(functionCounter(SluiceMeters.CONNECTION_TIMEOUTS, SluiceMeters.POOL_NAME, L)).isEqualTo(2);
        assertWork("connection_unavailable", "waiter", 2);
        assertThat(gauge(SluiceMeters.CONNECTION_PENDING)).isZero();
        assertThat(functionCounter(SluiceMeters.REJECTED, "reason", "pending_limit")).isZero();
        assertThat(functionCounter(SluiceMeters.REJECTED, "reason", "deadline")).isZero();
        holder.dispose();
        assertThat(await(() -> workCount("cancelled", "holder") == 1)).isTrue();
    }

    @Test
    void retriesAreCountedByCause() {
        Database db = start(t.lane(LANE).maxSize(2));
        t.pg().execute("CREATE SEQUENCE " + t.schema() + ".attempts");
        // the first attempt's connection is killed by the server; the retry succeeds
        Integer one = db.sql(LANE, "SELECT CASE WHEN nextval('attempts') = 1 THEN pg_terminate_backend(pg_backend_pid())::int ELSE 1 END")
                .named("flaky.read").idempotent().map(RowMapper.column(Integer.class)).one().block();
        assertThat(one).isEqualTo(1);
        assertThat(counter(SluiceMeters.RETRIES, "kind", "connection_lost")).isEqualTo(1);
        assertWork("connection_lost", "flaky.read", 1);
        assertWork("success", "flaky.read", 1);
    }

    @Test
    void breakerTransitionsAndStateAreCounted() {
        Database db = start(t.lane(LANE).maxSize(2).circuitBreaker(CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED).slidingWindowSize(2)
                .minimumNumberOfCalls(2).failureRateThreshold(50).waitDurationInOpenState(Duration.ofMinutes(1)).build()));
        assertThat(gauge(SluiceMeters.BREAKER_STATE)).isZero();
        for (int i = 0; i < 2; i++) {
            db.sql(LANE, "SELECT pg_terminate_backend(pg_backend_pid())").rowsUpdated().onErrorResume(e -> Mono.empty()).block();
        }
        assertThat(counter(SluiceMeters.BREAKER_TRANSITIONS, "from", "closed", "to", "open")).isEqualTo(1);
        assertThat(gauge(SluiceMeters.BREAKER_STATE)).isEqualTo(2);
        assertThat(db.sql(LANE, "SELECT 1").rowsUpdated().onErrorResume(CircuitOpenException.class, e -> Mono.just(-1L)).block()).isEqualTo(-1L);
        assertThat(counter(SluiceMeters.REJECTED, "reason", "circuit_open")).isEqualTo(1);
    }

    @Test
    void aSlowStatementIsLoggedCountedAndEmittedWithItsOperationNeverItsSqlOrValues() {
        Database db = start(t.lane(LANE).maxSize(2).slowStatementThreshold(Duration.ofMillis(100)));
        List<SlowStatement> events = new CopyOnWriteArrayList<>();
        Disposable sub = lanes.slowStatements().subscribe(events::add);
        PrintStream err = System.err;
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
        try {
            db.sql(LANE, "SELECT pg_sleep(0.3), $1::text").bind(1, "s3cr3t-value").named("ratings.slow").rowsUpdated().block();
            db.sql(LANE, "SELECT 1").named("ratings.fast").rowsUpdated().block();
            assertThat(await(() -> events.size() == 1)).isTrue();
        } finally {
            System.setErr(err);
            sub.dispose();
        }
        SlowStatement e = events.get(0);
        assertThat(e.lane()).isEqualTo(LANE);
        assertThat(e.operation()).isEqualTo("ratings.slow");
        assertThat(e.duration()).isGreaterThanOrEqualTo(Duration.ofMillis(290));
        assertThat(e.threshold()).isEqualTo(Duration.ofMillis(100));
        assertThat(counter(SluiceMeters.SLOW, "operation", "ratings.slow")).isEqualTo(1);
        assertThat(counter(SluiceMeters.SLOW, "operation", "ratings.fast")).isZero();
        String text = log.toString(StandardCharsets.UTF_8);
        assertThat(text).contains("WARN").contains("[lane interactive] slow: operation 'ratings.slow' held its connection for")
                .contains("slowStatementThreshold=100 ms")
                .doesNotContain("s3cr3t-value").doesNotContain("pg_sleep").doesNotContain("ratings.fast");
    }

    /** Which timers asked for a percentile histogram (SimpleMeterRegistry itself publishes none). */
    private java.util.Map<String, Boolean> histogramRequests() {
        java.util.Map<String, Boolean> requested = new java.util.concurrent.ConcurrentHashMap<>();
        meters.config().meterFilter(new io.micrometer.core.instrument.config.MeterFilter() {
            @Override
            public io.micrometer.core.instrument.distribution.DistributionStatisticConfig configure(
                    Meter.Id id, io.micrometer.core.instrument.distribution.DistributionStatisticConfig config) {
                if (id.getType() == Meter.Type.TIMER) {
                    requested.merge(id.getName(), Boolean.TRUE.equals(config.isPercentileHistogram()), Boolean::logicalAnd);
                }
                return config;
            }
        });
        return requested;
    }

    @Test
    void histogramsCanBeSwitchedOn() {
        java.util.Map<String, Boolean> requested = histogramRequests();
        Database db = start(t.lane(LANE).maxSize(1), true);
        db.sql(LANE, "SELECT 1").rowsUpdated().block();
        await(() -> requested.size() == 4);   // the unit's timer registers as its end passes the gate
        assertThat(requested).containsOnlyKeys(SluiceMeters.CONNECTION_WAIT_TIME, SluiceMeters.CONNECTION_USE_TIME,
                SluiceMeters.CONNECTION_CREATE_TIME, SluiceMeters.WORK).doesNotContainValue(false);
    }

    @Test
    void histogramsAreOffByDefault() {
        java.util.Map<String, Boolean> requested = histogramRequests();
        Database db = start(t.lane(LANE).maxSize(1));
        db.sql(LANE, "SELECT 1").rowsUpdated().block();
        await(() -> requested.size() == 4);
        assertThat(requested).hasSize(4).doesNotContainValue(true);
    }

    @Test
    void withoutARegistryNothingIsRegisteredAnywhereButSlowStatementsAreStillReported() {
        List<Meter> before = List.copyOf(Metrics.globalRegistry.getMeters());
        lanes = Lanes.builder(t.pg().server()).checkBudget(false)
                .lane(t.lane(LANE).maxSize(1).slowStatementThreshold(Duration.ofMillis(50)).build()).build().start().block();
        List<SlowStatement> events = new CopyOnWriteArrayList<>();
        Disposable sub = lanes.slowStatements().subscribe(events::add);
        lanes.database().sql(LANE, "SELECT pg_sleep(0.1)").named("quiet.slow").rowsUpdated().block();
        sub.dispose();
        assertThat(events).extracting(SlowStatement::operation).containsExactly("quiet.slow");
        assertThat(Metrics.globalRegistry.getMeters()).containsExactlyInAnyOrderElementsOf(before);
        assertThat(meters.getMeters()).isEmpty();
    }

    @Test
    void operationNamesMustBeShortFixedLabels() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Operation.named(" "))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ratings.upsert");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TxOptions.defaults().named("x".repeat(101)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("101 characters");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LaneConfig.builder(LANE).slowStatementThreshold(Duration.ZERO))
                .isInstanceOf(io.sluice.ConfigurationException.class).hasMessageContaining("slowStatementThreshold");
        assertThat(LaneConfig.builder(LANE).build().slowStatementThreshold()).isEqualTo(Duration.ofSeconds(5));
        assertThat(LaneConfig.builder(LANE).noSlowStatementReports().build().slowStatementThreshold()).isNull();
    }

    @Test
    void distinctOperationNamesAreCappedSoAValueInANameCannotFloodTheRegistry() {
        LaneMeters m = new LaneMeters(LaneConfig.builder(LANE).build(), meters, false, new SlowStatements());
        for (int i = 0; i < LaneMeters.MAX_OPERATIONS + 50; i++) {
            m.op("op-" + i).waited(1);
        }
        // the names, "other", and "unnamed" (registered with the lane)
        assertThat(meters.find(SluiceMeters.CONNECTION_WAIT_TIME).timers()).hasSize(LaneMeters.MAX_OPERATIONS + 2);
        assertThat(meters.get(SluiceMeters.CONNECTION_WAIT_TIME).tag("operation", SluiceMeters.OTHER_OPERATION).timer().count()).isEqualTo(50);
    }

}
