package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.BadSqlException;
import io.sluice.Database;
import io.sluice.Lane;
import io.sluice.RowMapper;
import io.sluice.TxOptions;
import io.sluice.testing.TestLanes;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * A connection lives exactly as long as its subscription: after every way a unit of work can end, the
 * pool has it back, the server shows no busy backend of the lane, and the next work on the lane sees no
 * transaction or setting of the previous one.
 */
class ConnectionScopeTest {

    private static final Lane LANE = Lane.INTERACTIVE;
    private static final int MAX = 3;
    private static TestLanes t;
    private static Lanes lanes;
    private static Database db;

    @BeforeAll
    static void start() {
        t = new TestLanes("scope");
        lanes = t.start(t.lane(LANE).maxSize(MAX).acquireTimeout(Duration.ofSeconds(5)).statementTimeout(Duration.ofSeconds(30)).build());
        db = lanes.database();
        t.pg().execute("CREATE TABLE " + t.schema() + ".big AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 200000) g");
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    @AfterEach
    void nothingLeaked() {
        awaitReturned();
        assertThat(t.pg().backends(t.appName(LANE))).as("server connections of the lane").isLessThanOrEqualTo(MAX);
        assertThat(t.pg().busyBackends(t.appName(LANE))).as("backends of the lane still in a transaction or running").isZero();
        // the next work on the lane works and inherits nothing
        for (int i = 0; i < MAX; i++) {
            String state = db.withConnection(LANE, s -> s.sql(
                    "SELECT current_setting('statement_timeout') || '/' || current_setting('transaction_read_only') "
                            + "|| '/' || (now() = statement_timestamp())::text").map(RowMapper.column(String.class)).one())
                    .block(Duration.ofSeconds(10));
            assertThat(state).as("statement_timeout / read-only / not inside an earlier transaction").isEqualTo("30s/off/true");
        }
        assertThat(io.sluice.testing.Await.noneLentOut(lanes, LANE)).as("connections still lent out (handed back within 5 s)").isTrue();
    }

    private static void awaitReturned() {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            if (lanes.snapshot(LANE).acquired() == 0 && t.pg().busyBackends(t.appName(LANE)) == 0) {
                return;
            }
            Mono.delay(Duration.ofMillis(20)).block();
        }
        assertThat(lanes.snapshot(LANE).acquired()).as("connections still acquired: " + lanes.snapshot(LANE)).isZero();
        assertThat(t.pg().busyBackends(t.appName(LANE))).as("busy backends").isZero();
    }

    private static Flux<String> big(io.sluice.Session s) {
        return s.sql("SELECT v FROM big ORDER BY id").map(RowMapper.column(String.class)).all();
    }

    @Test
    void releasesConnectionOnComplete() {
        StepVerifier.create(db.withConnection(LANE, s -> s.sql("SELECT 1").map(RowMapper.column(Integer.class)).one()))
                .expectNext(1).verifyComplete();
        StepVerifier.create(db.inTransaction(LANE, s -> s.sql("SELECT 2").map(RowMapper.column(Integer.class)).one()))
                .expectNext(2).verifyComplete();
    }

    @Test
    void releasesConnectionWhenUserCodeThrows() {
        StepVerifier.create(db.withConnection(LANE, s -> {
            throw new IllegalStateException("boom");
        })).verifyErrorMessage("boom");
        StepVerifier.create(db.inTransaction(LANE, s -> s.sql("SELECT 1").map(RowMapper.column(Integer.class)).one()
                        .map(x -> { throw new IllegalStateException("boom in map"); })))
                .verifyErrorMessage("boom in map");
    }

    @Test
    void releasesConnectionWhenTheServerFails() {
        StepVerifier.create(db.withConnection(LANE, s -> s.sql("SELECT * FROM no_such_table").rowsUpdated()))
                .verifyError(BadSqlException.class);
        StepVerifier.create(db.inTransaction(LANE, s -> s.sql("SELECT 1/0").rowsUpdated()))
                .expectErrorSatisfies(e -> assertThat(((io.sluice.SluiceException) e).sqlState()).isEqualTo("22012"))
                .verify();
    }

    @Test
    void releasesConnectionWhenCancelledBeforeItArrives() {
        // hold every connection, queue more callers, cancel them while they wait
        List<Disposable> holders = Flux.range(0, MAX)
                .map(i -> db.withConnection(LANE, s -> s.sql("SELECT pg_sleep(0.5)").rowsUpdated()).subscribe())
                .collectList().block();
        awaitAcquired(MAX);
        List<Disposable> waiting = Flux.range(0, 5)
                .map(i -> db.withConnection(LANE, s -> s.sql("SELECT 1").rowsUpdated()).subscribe())
                .collectList().block();
        Mono.delay(Duration.ofMillis(50)).block();
        assertThat(lanes.snapshot(LANE).pending()).isEqualTo(5);
        assertThat(lanes.admission(LANE).queued()).isEqualTo(5);
        waiting.forEach(Disposable::dispose);
        assertThat(lanes.snapshot(LANE).pending()).isZero();
        awaitReturned();
        assertThat(holders).allMatch(Disposable::isDisposed);
    }

    private static void awaitAcquired(int n) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (lanes.snapshot(LANE).acquired() < n && System.nanoTime() < deadline) {
            Mono.delay(Duration.ofMillis(5)).block();
        }
    }

    @Test
    void releasesConnectionAndStopsTheQueryWhenCancelledWhileItRuns() {
        Disposable d = db.withConnection(LANE, s -> s.sql("SELECT pg_sleep(20)").rowsUpdated()).subscribe();
        awaitAcquired(1);
        Mono.delay(Duration.ofMillis(200)).block();
        d.dispose();
        awaitReturned(); // well before the 20 s sleep ends: the server-side query was cancelled

        Disposable tx = db.inTransaction(LANE, s -> s.sql("SELECT pg_sleep(20)").rowsUpdated()).subscribe();
        awaitAcquired(1);
        Mono.delay(Duration.ofMillis(200)).block();
        tx.dispose();
    }

    @Test
    void releasesConnectionWhenCancelledInTheMiddleOfAStreamedResult() {
        AtomicInteger seen = new AtomicInteger();
        Disposable d = db.withConnectionMany(LANE, ConnectionScopeTest::big)
                .doOnNext(x -> seen.incrementAndGet())
                .limitRate(10)
                .delayElements(Duration.ofMillis(1))
                .subscribe();
        while (seen.get() < 100) {
            Mono.delay(Duration.ofMillis(5)).block();
        }
        d.dispose();
        awaitReturned();
        Disposable inTx = db.inTransactionMany(LANE, TxOptions.readOnly(), ConnectionScopeTest::big)
                .delayElements(Duration.ofMillis(1)).subscribe();
        Mono.delay(Duration.ofMillis(200)).block();
        inTx.dispose();
    }

    @Test
    void releasesConnectionAfterTakeOfALargeResult() {
        StepVerifier.create(db.withConnectionMany(LANE, ConnectionScopeTest::big).take(5)).expectNextCount(5).verifyComplete();
        StepVerifier.create(db.inTransactionMany(LANE, TxOptions.readOnly(), s -> big(s).take(5))).expectNextCount(5).verifyComplete();
        StepVerifier.create(db.sql(LANE, "SELECT v FROM big ORDER BY id").map(RowMapper.column(String.class)).all().take(3))
                .expectNextCount(3).verifyComplete();
    }

    @Test
    void releasesConnectionWhenATimeoutOperatorOnAnotherSchedulerFires() {
        StepVerifier.create(db.withConnection(LANE, s -> s.sql("SELECT pg_sleep(10)").rowsUpdated())
                        .timeout(Duration.ofMillis(200), Schedulers.single()))
                .verifyError(TimeoutException.class);
        StepVerifier.create(db.inTransactionMany(LANE, TxOptions.defaults(), ConnectionScopeTest::big)
                        .publishOn(Schedulers.boundedElastic())
                        .delayElements(Duration.ofMillis(1))
                        .count()
                        .timeout(Duration.ofMillis(150), Schedulers.parallel()))
                .expectError(TimeoutException.class)
                .verify(Duration.ofSeconds(30));
    }

    @Test
    void releasesConnectionWhenAZipSiblingFails() {
        Mono<Long> large = db.withConnectionMany(LANE, ConnectionScopeTest::big).count();
        Mono<Long> failing = db.withConnection(LANE, s -> s.sql("SELECT broken syntax here").rowsUpdated());
        StepVerifier.create(Mono.zip(large, failing)).verifyError(BadSqlException.class);
        // both on one connection, inside one transaction
        StepVerifier.create(db.inTransaction(LANE, s -> Mono.zip(big(s).count(), s.sql("SELECT 1/0").rowsUpdated())))
                .verifyError(io.sluice.DatabaseException.class);
    }

    @Test
    void sessionUsedAfterItsWorkEndedFailsClearly() {
        io.sluice.Session leaked = db.withConnection(LANE, Mono::just).block();
        assertThat(leaked).isNotNull();
        StepVerifier.create(leaked.sql("SELECT 1").rowsUpdated())
                .verifyErrorSatisfies(e -> assertThat(e).isInstanceOf(io.sluice.SessionClosedException.class)
                        .hasMessageContaining("valid only inside"));
        assertThatThrownBy(leaked::connection).isInstanceOf(io.sluice.SessionClosedException.class);
    }

    @Test
    void rawBeginLeftOpenIsRolledBackBeforeRelease() {
        StepVerifier.create(db.withConnection(LANE, s -> s.sql("BEGIN").rowsUpdated()
                        .then(s.sql("SET LOCAL statement_timeout = 1234").rowsUpdated())))
                .expectNextCount(1).verifyComplete();
    }
}
