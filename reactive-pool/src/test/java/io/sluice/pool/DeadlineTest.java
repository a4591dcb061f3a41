package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.Database;
import io.sluice.Deadline;
import io.sluice.DeadlineExceededException;
import io.sluice.Lane;
import io.sluice.QueryTimeoutException;
import io.sluice.RowMapper;
import io.sluice.TxOptions;
import io.sluice.testing.TestLanes;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** A deadline travels with the subscription: passed, the work is not started; otherwise it bounds the work. */
class DeadlineTest {

    private static final Lane LANE = Lane.INTERACTIVE;
    private static TestLanes t;
    private static Lanes lanes;
    private static Database db;

    @BeforeAll
    static void start() {
        t = new TestLanes("deadline");
        lanes = t.start(t.lane(LANE).maxSize(2).retry(RetryPolicy.none()).build());
        db = lanes.database();
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    private static void awaitIdle() {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while ((lanes.snapshot(LANE).acquired() > 0 || t.pg().busyBackends(t.appName(LANE)) > 0) && System.nanoTime() < deadline) {
            Mono.delay(Duration.ofMillis(20)).block();
        }
        assertThat(io.sluice.testing.Await.noneLentOut(lanes, LANE)).as("connections still lent out (handed back within 5 s)").isTrue();
        assertThat(t.pg().busyBackends(t.appName(LANE))).isZero();
    }

    @Test
    void workWhoseDeadlineHasPassedIsNotStarted() {
        int before = t.pg().backends(t.appName(LANE));
        long admittedBefore = lanes.admission(LANE).inFlight();
        StepVerifier.create(db.sql(LANE, "SELECT 1").rowsUpdated().contextWrite(Deadline.in(Duration.ofMillis(-5)).context()))
                .verifyErrorSatisfies(e -> assertThat(e).isInstanceOf(DeadlineExceededException.class)
                        .hasMessageContaining("before the work started").hasMessageContaining("[lane interactive]"));
        assertThat(t.pg().backends(t.appName(LANE))).isEqualTo(before);
        assertThat(lanes.admission(LANE).inFlight()).isEqualTo(admittedBefore);
    }

    @Test
    void statementTimeoutIsTheSmallerOfItsOwnAndTheTimeLeft() {
        String st = db.inTransaction(LANE, TxOptions.defaults().withStatementTimeout(Duration.ofSeconds(30)),
                        s -> s.sql("SELECT current_setting('statement_timeout')").map(RowMapper.column(String.class)).one())
                .contextWrite(Deadline.in(Duration.ofMillis(700)).context())
                .block();
        assertThat(st).endsWith("ms");
        assertThat(Integer.parseInt(st.replace("ms", ""))).isBetween(1, 700);
        String own = db.inTransaction(LANE, TxOptions.defaults().withStatementTimeout(Duration.ofMillis(250)),
                        s -> s.sql("SELECT current_setting('statement_timeout')").map(RowMapper.column(String.class)).one())
                .contextWrite(Deadline.in(Duration.ofSeconds(20)).context())
                .block();
        assertThat(own).isEqualTo("250ms");
    }

    @Test
    void aDeadlinePassingWhileAStatementRunsCancelsItOnTheServer() {
        StepVerifier.create(db.sql(LANE, "SELECT pg_sleep(20)").rowsUpdated().contextWrite(Deadline.in(Duration.ofMillis(300)).context()))
                .verifyErrorSatisfies(e -> assertThat(e).isInstanceOf(DeadlineExceededException.class).hasMessageContaining("while the work ran"));
        awaitIdle();
        StepVerifier.create(db.inTransaction(LANE, s -> s.sql("SELECT pg_sleep(20)").rowsUpdated()).contextWrite(Deadline.in(Duration.ofMillis(300)).context()))
                .verifyErrorSatisfies(e -> assertThat(e).isInstanceOfAny(DeadlineExceededException.class, QueryTimeoutException.class));
        awaitIdle();
        assertThat(db.sql(LANE, "SELECT 1").map(RowMapper.column(Integer.class)).one().block()).isEqualTo(1);
    }

    @Test
    void aDeadlinePassingWhileTheWorkWaitsForAdmissionEndsTheWaitThenNotAfterTheAcquireTimeout() {
        // both connections busy for 1.5 s; the acquire timeout (2 s) would end the wait later still
        reactor.core.Disposable h1 = db.sql(LANE, "SELECT pg_sleep(1.5)").rowsUpdated().subscribe();
        reactor.core.Disposable h2 = db.sql(LANE, "SELECT pg_sleep(1.5)").rowsUpdated().subscribe();
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (lanes.admission(LANE).inFlight() < 2 && System.nanoTime() < deadline) {
            Mono.delay(Duration.ofMillis(10)).block();
        }
        StepVerifier.create(db.sql(LANE, "SELECT 1").rowsUpdated().contextWrite(Deadline.in(Duration.ofMillis(300)).context()))
                .verifyErrorSatisfies(e -> assertThat(e).isInstanceOf(DeadlineExceededException.class)
                        .hasMessageContaining("while waiting for admission").hasMessageContaining("not started"));
        assertThat(lanes.admission(LANE).inFlight()).isEqualTo(2);   // the holders still run: it left the queue early
        assertThat(lanes.admission(LANE).queued()).isZero();
        h1.dispose();
        h2.dispose();
        awaitIdle();
    }
}
