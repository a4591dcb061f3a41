package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.Database;
import io.sluice.Deadline;
import io.sluice.DeadlineExceededException;
import io.sluice.Lane;
import io.sluice.RowMapper;
import io.sluice.TransientConnectionException;
import io.sluice.testing.Await;
import io.sluice.testing.FaultProxy;
import io.sluice.testing.TestLanes;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A multiplexed lane under faults: statements really are pipelined, a cancel stops only its own statement,
 * a broken shared connection fails (or retries) only its own statements and is replaced, and no result ever
 * reaches the wrong caller.
 */
class MultiplexFaultTest {

    private static final Lane LANE = Lane.of("mux");
    private static TestLanes t;
    private static FaultProxy proxy;

    @BeforeAll
    static void start() {
        t = new TestLanes("muxfault");
        proxy = FaultProxy.start(t.pg().server().host(), t.pg().server().port());
    }

    @AfterEach
    void passThrough() {
        proxy.passThrough();
    }

    @AfterAll
    static void stop() {
        t.close();
        proxy.close();
    }

    private static io.micrometer.core.instrument.simple.SimpleMeterRegistry registry;

    private static Database db(int connections, int perConnection, RetryPolicy retry) {
        ServerConfig viaProxy = t.pg().serverBuilder().host(proxy.host()).port(proxy.port()).build();
        registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        Lanes.Builder b = Lanes.builder(viaProxy).meterRegistry(registry);
        Lanes lanes = t.start(x -> b, t.lane(LANE).maxSize(1).multiplexed(connections, perConnection)
                .maxPendingAcquires(500).retry(retry).noCircuitBreaker().build());
        return lanes.database();
    }

    private static Mono<Long> echo(Database db, long v, double sleepSeconds) {
        return db.sql(LANE, "SELECT $1::bigint FROM pg_sleep($2)").bind(1, v).bind(2, sleepSeconds)
                .map(RowMapper.column(Long.class)).one();
    }

    @Test
    void statementsOnOneConnectionArePipelinedNotOneRoundTripEach() {
        Database db = db(1, 64, RetryPolicy.none());
        echo(db, 0, 0).block();                          // the shared connection is open
        proxy.latency(Duration.ofMillis(20));            // 40 ms per round trip
        long start = System.nanoTime();
        List<Long> got = Flux.range(1, 50).flatMap(i -> echo(db, i, 0), 50).collectList().block(Duration.ofSeconds(30));
        long ms = Duration.ofNanos(System.nanoTime() - start).toMillis();
        assertThat(got).containsExactlyInAnyOrderElementsOf(Flux.range(1, 50).map(i -> (long) i).collectList().block());
        // one round trip each would take 50 x 40 ms = 2 s
        assertThat(ms).as("50 statements through a 40 ms round trip took %d ms", ms).isLessThan(1000);
        assertThat(t.pg().backends(t.appName(LANE))).isEqualTo(1);
    }

    @Test
    void aCancelledStatementIsStoppedOnTheServerAndTheNextOnTheConnectionRuns() {
        Database db = db(1, 8, RetryPolicy.none());
        echo(db, 0, 0).block();
        Disposable slow = echo(db, 1, 30).subscribe(v -> { }, e -> { });
        assertThat(Await.until(Duration.ofSeconds(5), () -> t.pg().busyBackends(t.appName(LANE)) == 1)).isTrue();
        Mono<Long> next = echo(db, 2, 0);
        long start = System.nanoTime();
        Mono<Long> queued = next.cache();
        queued.subscribe(v -> { }, e -> { });
        slow.dispose();
        assertThat(queued.block(Duration.ofSeconds(10))).isEqualTo(2L);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void aStatementCancelledWhileQueuedIsCancelledOnlyOnceItRunsAndTheOneBeforeItIsNotHit() {
        Database db = db(1, 8, RetryPolicy.none());
        echo(db, 0, 0).block();
        Mono<Long> before = echo(db, 1, 0.5).cache();
        before.subscribe(v -> { }, e -> { });
        assertThat(Await.until(Duration.ofSeconds(5), () -> t.pg().busyBackends(t.appName(LANE)) == 1)).isTrue();
        Disposable queuedSlow = echo(db, 2, 30).subscribe(v -> { }, e -> { });
        Mono<Long> after = echo(db, 3, 0).cache();
        after.subscribe(v -> { }, e -> { });
        queuedSlow.dispose();                             // still behind 'before': no cancel request yet
        assertThat(before.block(Duration.ofSeconds(10))).isEqualTo(1L);
        assertThat(after.block(Duration.ofSeconds(10))).isEqualTo(3L);
    }

    @Test
    void aNeighbourHitByAStrayCancelIsSentAgainAndItsCallerNeverSeesTheCancel() {
        Database db = db(1, 8, RetryPolicy.none());
        echo(db, 0, 0).block();
        proxy.latency(Duration.ofMillis(300));
        // 'first' ends on the server long before its answer reaches the client; meanwhile the server runs 'second'
        Disposable first = echo(db, 1, 0).subscribe(v -> { }, e -> { });
        long start = System.nanoTime();
        Mono<Long> second = echo(db, 2, 1.5).cache();
        second.subscribe(v -> { }, e -> { });
        Mono.delay(Duration.ofMillis(450)).block();
        first.dispose();                                  // 'first' is still the oldest the client knows: a cancel goes out
        assertThat(second.block(Duration.ofSeconds(20))).isEqualTo(2L);
        // hit by the cancel meant for 'first', 'second' ran again: two runs of 1.5 s
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(3000));
        assertThat(registry.get(io.sluice.pool.SluiceMeters.SHARED_RESENT).functionCounter().count()).isEqualTo(1.0);
    }

    @Test
    void theLanesStatementTimeoutAppliesOnItsSharedConnections() {
        Lanes lanes = t.start(t.lane(LANE).maxSize(1).multiplexed(1, 8).statementTimeout(Duration.ofMillis(300))
                .retry(RetryPolicy.none()).noCircuitBreaker().build());
        Database db = lanes.database();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> echo(db, 1, 3).block(Duration.ofSeconds(10)))
                .isInstanceOf(io.sluice.QueryTimeoutException.class).hasMessageContaining("57014");
        assertThat(echo(db, 2, 0).block(Duration.ofSeconds(10))).isEqualTo(2L);
        assertThat(lanes.snapshot(LANE).allocated()).as("both ran on the shared connection").isZero();
    }

    @Test
    void aDeadlineCancelsOnlyItsOwnStatement() {
        Database db = db(1, 8, RetryPolicy.none());
        echo(db, 0, 0).block();
        Mono<Long> late = echo(db, 1, 30).contextWrite(Deadline.in(Duration.ofMillis(300)).context());
        Mono<Long> neighbour = echo(db, 2, 0.05).delaySubscription(Duration.ofMillis(100));
        List<Object> outcomes = Flux.merge(late.map(Object.class::cast).onErrorResume(e -> Mono.just(e.getClass())),
                neighbour.map(Object.class::cast).onErrorResume(e -> Mono.just(e.getClass()))).collectList().block(Duration.ofSeconds(10));
        assertThat(outcomes).containsExactlyInAnyOrder(DeadlineExceededException.class, 2L);
    }

    @Test
    void aBrokenSharedConnectionFailsItsStatementsAsTransientAndIsReplaced() {
        Database db = db(1, 64, RetryPolicy.none());
        echo(db, 0, 0).block();
        proxy.latency(Duration.ofMillis(100));
        List<Object> outcomes = Flux.range(1, 20).flatMap(i -> echo(db, i, 0).map(Object.class::cast)
                .onErrorResume(e -> Mono.just(e.getClass())), 20)
                .mergeWith(Mono.delay(Duration.ofMillis(50)).doOnNext(x -> proxy.dropAll()).then(Mono.empty()))
                .collectList().block(Duration.ofSeconds(20));
        assertThat(outcomes).hasSize(20).allSatisfy(o -> assertThat(o).isEqualTo(TransientConnectionException.class));
        proxy.passThrough();
        assertThat(echo(db, 7, 0).block(Duration.ofSeconds(10))).isEqualTo(7L);
        assertThat(registry.get(io.sluice.pool.SluiceMeters.SHARED_BROKEN).functionCounter().count()).isEqualTo(1.0);
        assertThat(registry.get(io.sluice.pool.SluiceMeters.SHARED_CONNECTIONS).gauge().value()).isEqualTo(1.0);
    }

    @Test
    void retrySafeReadsSurviveAKilledBackendAndNothingReachesTheWrongCaller() {
        Database db = db(2, 32, RetryPolicy.backoff(4, Duration.ofMillis(20), Duration.ofMillis(200)));
        echo(db, 0, 0).block();
        AtomicInteger wrong = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        Flux<Long> load = Flux.range(1, 600).flatMap(i -> db.sql(LANE, "SELECT $1::bigint FROM pg_sleep(0.002)").bind(1, (long) i)
                .idempotent().map(RowMapper.column(Long.class)).one()
                .doOnNext(v -> {
                    if (v != (long) i) {
                        wrong.incrementAndGet();
                    }
                }).onErrorResume(e -> {
                    failed.incrementAndGet();
                    return Mono.empty();
                }), 48);
        Mono<Void> terminate = Mono.fromRunnable(() -> t.pg().terminate(t.appName(LANE)))
                .subscribeOn(reactor.core.scheduler.Schedulers.boundedElastic()).then();
        Mono<Void> kill = Mono.delay(Duration.ofMillis(200)).then(terminate).then(Mono.delay(Duration.ofMillis(300))).then(terminate);
        load.mergeWith(kill.then(Mono.empty())).then().block(Duration.ofSeconds(60));
        assertThat(wrong).hasValue(0);
        assertThat(failed).hasValue(0);
    }

    @Test
    void aCancellationStormNeverDeliversAResultToTheWrongCaller() {
        Database db = db(2, 32, RetryPolicy.none());
        echo(db, 0, 0).block();
        AtomicInteger wrong = new AtomicInteger();
        AtomicInteger delivered = new AtomicInteger();
        Flux.range(1, 400).flatMap(i -> {
            ThreadLocalRandom r = ThreadLocalRandom.current();
            Mono<Long> read = echo(db, i, r.nextInt(3) == 0 ? 0.02 : 0).doOnNext(v -> {
                delivered.incrementAndGet();
                if (v != (long) i) {
                    wrong.incrementAndGet();
                }
            });
            return read.timeout(Duration.ofMillis(r.nextInt(1, 40))).onErrorResume(e -> Mono.empty());
        }, 64).then().block(Duration.ofSeconds(60));
        assertThat(wrong).hasValue(0);
        // every slot is free again and the connections still answer right
        assertThat(Await.until(Duration.ofSeconds(10), () -> echo(db, 5, 0).block() == 5L)).isTrue();
        assertThat(Flux.range(1, 64).flatMap(i -> echo(db, i, 0).map(v -> v == (long) i), 64).all(ok -> ok).block()).isTrue();
    }
}
