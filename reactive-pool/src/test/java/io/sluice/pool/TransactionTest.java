package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.Database;
import io.sluice.DatabaseException;
import io.sluice.Isolation;
import io.sluice.Lane;
import io.sluice.QueryTimeoutException;
import io.sluice.RowMapper;
import io.sluice.SerializationFailureException;
import io.sluice.Session;
import io.sluice.TxOptions;
import io.sluice.testing.TestLanes;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** Commit, rollback on error and on cancel, options really in effect on the server, and nothing left behind. */
class TransactionTest {

    private static final Lane LANE = Lane.INTERACTIVE;
    private static TestLanes t;
    private static Lanes lanes;
    private static Database db;

    @BeforeAll
    static void start() {
        t = new TestLanes("tx");
        lanes = t.start(t.lane(LANE).maxSize(3).build(), t.lane(Lane.BACKGROUND).maxSize(2).retry(RetryPolicy.none()).build());
        db = lanes.database();
        t.pg().execute("CREATE TABLE " + t.schema() + ".rating (id int PRIMARY KEY, stars int NOT NULL)");
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    @BeforeEach
    void empty() {
        t.pg().execute("TRUNCATE " + t.schema() + ".rating");
    }

    private static long count() {
        return db.sql(LANE, "SELECT count(*) FROM rating").map(RowMapper.column(Long.class)).one().block();
    }

    private static Mono<Long> insert(Session s, int id) {
        return s.sql("INSERT INTO rating VALUES ($1, 5)").bind(1, id).rowsUpdated();
    }


    @Test
    void commitsWhenTheWorkCompletes() {
        StepVerifier.create(db.inTransaction(LANE, s -> insert(s, 1).then(insert(s, 2)))).expectNext(1L).verifyComplete();
        assertThat(count()).isEqualTo(2);
    }

    @Test
    void rollsBackWhenTheWorkFails() {
        StepVerifier.create(db.inTransaction(LANE, s -> insert(s, 1).then(Mono.error(new IllegalStateException("no")))))
                .verifyErrorMessage("no");
        StepVerifier.create(db.inTransaction(LANE, s -> insert(s, 1).then(insert(s, 1))))
                .verifyError(io.sluice.IntegrityViolationException.class);
        assertThat(count()).isZero();
    }

    @Test
    void rollsBackWhenCancelled() {
        Disposable d = db.inTransaction(LANE, s -> insert(s, 1).then(s.sql("SELECT pg_sleep(10)").rowsUpdated())).subscribe();
        Mono.delay(Duration.ofMillis(300)).block();
        d.dispose();
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (lanes.snapshot(LANE).acquired() > 0 && System.nanoTime() < deadline) {
            Mono.delay(Duration.ofMillis(20)).block();
        }
        assertThat(io.sluice.testing.Await.noneLentOut(lanes, LANE)).as("connections still lent out (handed back within 5 s)").isTrue();
        assertThat(count()).isZero();
    }

    @Test
    void aSwallowedStatementFailureIsNeverReportedAsACommit() {
        StepVerifier.create(db.inTransaction(LANE, s -> insert(s, 1)
                        .then(insert(s, 1).onErrorResume(e -> Mono.just(0L)))))
                .verifyErrorSatisfies(e -> assertThat(e).isInstanceOf(DatabaseException.class)
                        .hasMessageContaining("rolled back, not committed"));
        assertThat(count()).isZero();
    }

    @Test
    void isolationAndReadOnlyAreInEffectOnTheServer() {
        String seen = db.inTransaction(LANE, TxOptions.readOnly().withIsolation(Isolation.SERIALIZABLE), s ->
                s.sql("SELECT current_setting('transaction_isolation') || '/' || current_setting('transaction_read_only')")
                        .map(RowMapper.column(String.class)).one()).block();
        assertThat(seen).isEqualTo("serializable/on");
        StepVerifier.create(db.inTransaction(LANE, TxOptions.readOnly(), s -> insert(s, 9)))
                .verifyErrorSatisfies(e -> assertThat(((io.sluice.SluiceException) e).sqlState()).isEqualTo("25006"));
        String after = db.inTransaction(LANE, s -> s.sql("SELECT current_setting('transaction_isolation') || '/' "
                + "|| current_setting('transaction_read_only')").map(RowMapper.column(String.class)).one()).block();
        assertThat(after).as("the next transaction on the lane has the defaults again").isEqualTo("read committed/off");
    }

    @Test
    void statementTimeoutFiresWithATypedErrorAndTheConnectionStaysUsable() {
        StepVerifier.create(db.inTransaction(LANE, TxOptions.defaults().withStatementTimeout(Duration.ofMillis(100))
                        .withLockTimeout(Duration.ofMillis(50)), s -> s.sql("SELECT pg_sleep(5)").rowsUpdated()))
                .verifyErrorSatisfies(e -> assertThat(e).isInstanceOf(QueryTimeoutException.class)
                        .hasMessageContaining("57014").hasMessageContaining("[lane interactive]"));
        for (int i = 0; i < 3; i++) {
            assertThat(db.inTransaction(LANE, s -> s.sql("SELECT current_setting('statement_timeout') || '/' || "
                    + "current_setting('lock_timeout')").map(RowMapper.column(String.class)).one()).block())
                    .isEqualTo("0/0");
        }
    }

    private static Mono<Long> bump(Lane lane, long pause, int by) {
        return db.inTransaction(lane, TxOptions.defaults().withIsolation(Isolation.SERIALIZABLE), s ->
                s.sql("SELECT stars FROM rating WHERE id = 1").rowsUpdated()
                        .then(Mono.delay(Duration.ofMillis(pause)))
                        .then(s.sql("UPDATE rating SET stars = stars + $1 WHERE id = 1").bind(1, by).rowsUpdated()));
    }

    @Test
    void serializationFailureIsTypedAndTransient() {
        t.pg().execute("INSERT INTO " + t.schema() + ".rating VALUES (1, 1)");
        // two transactions read then write the same row; the second to commit loses (no retry on this lane)
        StepVerifier.create(Mono.zip(bump(Lane.BACKGROUND, 300, 1), bump(Lane.BACKGROUND, 0, 10).delaySubscription(Duration.ofMillis(100))))
                .verifyErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(SerializationFailureException.class);
                    assertThat(((SerializationFailureException) e).isRetryable()).as("a rolled-back transaction may run again").isTrue();
                });
    }

    @Test
    void serializationFailureOfAWholeTransactionIsRetriedAndBothCommit() {
        t.pg().execute("INSERT INTO " + t.schema() + ".rating VALUES (1, 1)");
        StepVerifier.create(Mono.zip(bump(LANE, 300, 1), bump(LANE, 0, 10).delaySubscription(Duration.ofMillis(100))))
                .expectNextCount(1).verifyComplete();
        int stars = t.pg().queryOne("SELECT stars FROM " + t.schema() + ".rating WHERE id = 1", r -> r.get(0, Integer.class));
        assertThat(stars).isEqualTo(12);
    }
}
