package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.CircuitOpenException;
import io.sluice.Database;
import io.sluice.Lane;
import io.sluice.RowMapper;
import io.sluice.TxOptions;
import io.sluice.testing.FaultProxy;
import io.sluice.testing.TestLanes;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Retry, circuit breaker and recovery under real faults: killed backends, a refusing and a black-holed server. */
class ResilienceTest {

    private static final Lane LANE = Lane.INTERACTIVE;
    private TestLanes t;
    private FaultProxy proxy;
    private Lanes lanes;

    @BeforeEach
    void start() {
        t = new TestLanes("resilience");
        proxy = FaultProxy.start(t.pg().server().host(), t.pg().server().port());
    }

    @AfterEach
    void stop() {
        if (lanes != null) {
            lanes.close();
        }
        proxy.close();
        assertThat(t.pg().awaitBackends(t.appName(LANE), 0, Duration.ofSeconds(10))).as("connections left on the server").isZero();
        t.close();
    }

    private Lanes throughProxy(LaneConfig.Builder lane) {
        ServerConfig server = t.pg().serverBuilder().host(proxy.host()).port(proxy.port()).connectTimeout(Duration.ofSeconds(2)).build();
        lanes = Lanes.builder(server).checkBudget(false).meterRegistry(new SimpleMeterRegistry()).lane(lane.build()).build().start().block();
        return lanes;
    }

    private static boolean await(BooleanSupplier condition) {
        return io.sluice.testing.Await.until(Duration.ofSeconds(10), condition);
    }

    private static Mono<Integer> read(Database db) {
        return db.sql(LANE, "SELECT 1 FROM pg_sleep(0.002)").idempotent().map(RowMapper.column(Integer.class)).one();
    }

    @Test
    void idempotentReadsSeeNoErrorThroughABurstOfKilledBackends() {
        Database db = throughProxy(t.lane(LANE).maxSize(4).maxPendingAcquires(64)).database();
        AtomicInteger done = new AtomicInteger();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        Mono<Void> load = Flux.range(0, 2000)
                .flatMap(i -> Mono.defer(() -> i % 2 == 0 ? read(db)
                                : db.inTransaction(LANE, TxOptions.readOnly(), s -> s.sql("SELECT 2").map(RowMapper.column(Integer.class)).one()))
                        .doOnNext(x -> done.incrementAndGet())
                        .onErrorResume(e -> {
                            errors.add(e);
                            return Mono.empty();
                        }), 8)
                .then().cache();
        load.subscribe();
        for (int burst = 0; burst < 3; burst++) {
            int target = 300 * (burst + 1);
            assertThat(await(() -> done.get() >= target)).isTrue();
            t.pg().terminate(t.appName(LANE));
        }
        load.block(Duration.ofSeconds(60));
        assertThat(errors).as("errors seen by callers").isEmpty();
        assertThat(done.get()).isEqualTo(2000);
        assertThat(io.sluice.testing.Await.noneLentOut(lanes, LANE)).as("connections still lent out (handed back within 5 s)").isTrue();
        assertThat(t.pg().backends(t.appName(LANE))).isLessThanOrEqualTo(4);
    }

    @Test
    void idempotentReadsRideOutAServerThatRefusesConnectionsForAWhile() {
        Database db = throughProxy(t.lane(LANE).maxSize(4).maxPendingAcquires(64)).database();
        AtomicInteger done = new AtomicInteger();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        Mono<Void> load = Flux.range(0, 1500)
                .flatMap(i -> read(db).doOnNext(x -> done.incrementAndGet())
                        .onErrorResume(e -> {
                            errors.add(e);
                            return Mono.empty();
                        }), 8)
                .then().cache();
        load.subscribe();
        assertThat(await(() -> done.get() >= 300)).isTrue();
        // like a restart: every connection dropped, new ones refused for 0.3 s
        proxy.refuseNew(true);
        proxy.dropAll();
        Mono.delay(Duration.ofMillis(300)).block();
        proxy.refuseNew(false);
        load.block(Duration.ofSeconds(60));
        assertThat(errors).as("errors seen by callers").isEmpty();
        assertThat(done.get()).isEqualTo(1500);
    }

    @Test
    void aBlackHoledServerOpensTheBreakerCallersFailFastAndTheLaneRecovers() {
        CircuitBreakerConfig breaker = CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED).slidingWindowSize(4)
                .minimumNumberOfCalls(2).failureRateThreshold(50).waitDurationInOpenState(Duration.ofSeconds(1))
                .permittedNumberOfCallsInHalfOpenState(2).build();
        Database db = throughProxy(t.lane(LANE).maxSize(2).initialSize(2).clientTimeout(Duration.ofMillis(300))
                .validationTimeout(Duration.ofMillis(300)).retry(RetryPolicy.none()).circuitBreaker(breaker)).database();
        assertThat(read(db).block()).isEqualTo(1);
        proxy.blackHole(true);
        int timeouts = 0;
        while (!"OPEN".equals(lanes.admission(LANE).breakerState()) && timeouts < 10) {
            Throwable e = read(db).map(x -> (Throwable) null).onErrorResume(Mono::just).block(Duration.ofSeconds(5));
            assertThat(e).isInstanceOf(io.sluice.QueryTimeoutException.class).hasMessageContaining("client timeout");
            timeouts++;
        }
        assertThat(lanes.admission(LANE).breakerState()).isEqualTo("OPEN");
        long start = System.nanoTime();
        Throwable open = read(db).map(x -> (Throwable) null).onErrorResume(Mono::just).block(Duration.ofSeconds(5));
        assertThat(open).isInstanceOf(CircuitOpenException.class).hasMessageContaining("[lane interactive]").hasMessageContaining("OPEN");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("fails fast, not after the client timeout").isLessThan(Duration.ofMillis(250));

        proxy.blackHole(false);
        Mono.delay(Duration.ofMillis(1100)).block();
        // half-open: trial calls reach the recovered server and close the breaker
        assertThat(await(() -> read(db).onErrorResume(e -> Mono.empty()).blockOptional().isPresent()
                && "CLOSED".equals(lanes.admission(LANE).breakerState()))).isTrue();
        assertThat(Flux.range(0, 20).flatMap(i -> read(db), 2).count().block()).isEqualTo(20);
        assertThat(io.sluice.testing.Await.noneLentOut(lanes, LANE)).as("connections still lent out (handed back within 5 s)").isTrue();
    }

    @Test
    void aCancelledLongQueryDisappearsFromTheServer() {
        Database db = throughProxy(t.lane(LANE).maxSize(2)).database();
        Disposable d = db.sql(LANE, "SELECT pg_sleep(30) /* sluice-cancel-me */").rowsUpdated().subscribe();
        assertThat(await(() -> running("sluice-cancel-me") == 1)).isTrue();
        d.dispose();
        assertThat(await(() -> running("sluice-cancel-me") == 0)).as("the statement stopped on the server").isTrue();
        assertThat(await(() -> lanes.snapshot(LANE).acquired() == 0)).isTrue();
    }

    private int running(String marker) {
        return t.pg().queryOne("SELECT count(*)::int FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%" + marker
                + "%' AND query NOT LIKE '%pg_stat_activity%'", r -> r.get(0, Integer.class));
    }

    @Test
    void aStreamThatFailsAfterEmittingRowsIsNotRetriedSoNoRowIsSeenTwice() {
        t.pg().execute("CREATE TABLE " + t.schema() + ".seq AS SELECT g AS n FROM generate_series(1, 100000) g");
        Database db = throughProxy(t.lane(LANE).maxSize(2).fetchSize(100)).database();
        List<Integer> seen = new CopyOnWriteArrayList<>();
        Throwable error = db.inTransactionMany(LANE, TxOptions.readOnly(), s -> s.sql("SELECT n FROM seq ORDER BY n")
                        .map(RowMapper.column(Integer.class)).all())
                .doOnNext(n -> {
                    seen.add(n);
                    if (n == 500) {
                        proxy.dropAll();
                    }
                })
                .then(Mono.<Throwable>empty()).onErrorResume(Mono::just)
                .block(Duration.ofSeconds(30));
        assertThat(error).isInstanceOf(io.sluice.TransientConnectionException.class);
        assertThat(seen).doesNotHaveDuplicates();
        assertThat(await(() -> lanes.snapshot(LANE).acquired() == 0)).isTrue();
    }

    private record Outcome(long startNanos, long endNanos, Throwable error) {
    }

    @Test
    void anOutageEndsEachCallInOneTypedOutcomeWithinItsDeadlineAndRecoveryIsNotPunished() {
        Database db = throughProxy(t.lane(LANE).maxSize(4).maxPendingAcquires(16).acquireTimeout(Duration.ofMillis(300))
                .clientTimeout(Duration.ofMillis(500)).validationTimeout(Duration.ofMillis(300))).database();
        List<Outcome> outcomes = new CopyOnWriteArrayList<>();
        long t0 = System.nanoTime();
        long stopAt = t0 + Duration.ofSeconds(10).toNanos();
        Duration deadline = Duration.ofSeconds(2);
        Flux<Void> callers = Flux.range(0, 8).flatMap(i -> Mono.defer(() -> {
                    long start = System.nanoTime();
                    return read(db).contextWrite(io.sluice.Deadline.in(deadline).context())
                            .then(Mono.fromRunnable(() -> outcomes.add(new Outcome(start, System.nanoTime(), null))))
                            .onErrorResume(e -> Mono.fromRunnable(() -> outcomes.add(new Outcome(start, System.nanoTime(), e))))
                            .then(Mono.delay(Duration.ofMillis(5)))
                            .then();
                }).repeat(() -> System.nanoTime() < stopAt), 8);
        Disposable load = callers.subscribe();
        Mono.delay(Duration.ofSeconds(1)).block();
        proxy.blackHole(true);
        proxy.dropAll();
        Mono.delay(Duration.ofSeconds(4)).block();
        long restored = System.nanoTime();
        proxy.blackHole(false);
        assertThat(await(load::isDisposed) || await(load::isDisposed)).isTrue();

        for (Outcome o : outcomes) {
            assertThat(Duration.ofNanos(o.endNanos() - o.startNanos())).as("a call's answer within its deadline and a margin")
                    .isLessThan(deadline.plusMillis(700));
            if (o.error() != null) {
                assertThat(o.error()).as("one failure mode, one typed outcome").isInstanceOfAny(
                        io.sluice.ConnectionUnavailableException.class, CircuitOpenException.class,
                        io.sluice.DeadlineExceededException.class, io.sluice.QueryTimeoutException.class,
                        io.sluice.LaneOverloadedException.class);   // its predicted wait for admission beyond its deadline
            }
        }
        long firstSuccess = outcomes.stream().filter(o -> o.error() == null && o.startNanos() > restored)
                .mapToLong(Outcome::endNanos).min().orElseThrow();
        assertThat(Duration.ofNanos(firstSuccess - restored)).as("serving again soon after the network returned")
                .isLessThan(Duration.ofSeconds(3));
        assertThat(outcomes.stream().filter(o -> o.startNanos() > firstSuccess && o.error() != null).map(Outcome::error).toList())
                .as("failures of calls started after the lane served again (the breaker must not open on the outage's leftovers)")
                .isEmpty();
        assertThat(lanes.admission(LANE).breakerState()).isEqualTo("CLOSED");
    }
}
