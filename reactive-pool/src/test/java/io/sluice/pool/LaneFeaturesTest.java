package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.ConnectionUnavailableException;
import io.sluice.Database;
import io.sluice.Lane;
import io.sluice.LaneClosedException;
import io.sluice.RowMapper;
import io.sluice.UnknownLaneException;
import io.sluice.testing.PostgresFixture;
import io.sluice.testing.TestLanes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** What a lane's configuration promises, checked on the server: roles, session set-up, recycling, fast failure. */
class LaneFeaturesTest {

    private static TestLanes t;
    private static String role;

    @BeforeAll
    static void start() {
        t = new TestLanes("lanes");
        role = PostgresFixture.uniqueName("sluice_ro");
        t.pg().execute("CREATE ROLE " + role + " LOGIN PASSWORD 'pw-" + role + "'");
        t.pg().execute("GRANT USAGE ON SCHEMA " + t.schema() + " TO " + role);
    }

    @AfterAll
    static void stop() {
        t.close();
        t.pg().execute("DROP ROLE IF EXISTS " + role);
    }

    private static Integer pid(Database db, Lane lane) {
        return db.sql(lane, "SELECT pg_backend_pid()").map(RowMapper.column(Integer.class)).one().block();
    }

    @Test
    void eachLaneConnectsAsItsOwnRoleWithItsOwnApplicationName() {
        Lanes lanes = t.start(
                t.lane(Lane.INTERACTIVE).credentials(role, "pw-" + role).build(),
                t.lane(Lane.ADMIN).build());
        Database db = lanes.database();
        assertThat(db.sql(Lane.INTERACTIVE, "SELECT current_user || '/' || current_setting('application_name')")
                .map(RowMapper.column(String.class)).one().block()).isEqualTo(role + "/" + t.appName(Lane.INTERACTIVE));
        assertThat(db.sql(Lane.ADMIN, "SELECT current_user::text").map(RowMapper.column(String.class)).one().block())
                .isEqualTo(t.pg().server().user());
        assertThat(t.pg().backends(t.appName(Lane.INTERACTIVE))).isEqualTo(1);
        assertThat(lanes.config(Lane.INTERACTIVE).toString()).doesNotContain("pw-" + role);
    }

    @Test
    void sessionInitRunsOncePerConnectionAndSessionSettingsApply() {
        t.pg().execute("CREATE TABLE " + t.schema() + ".init_log (pid int)");
        Database db = t.start(t.lane(Lane.BACKGROUND).maxSize(1)
                .sessionInit("INSERT INTO init_log VALUES (pg_backend_pid())")
                .sessionSetting("TimeZone", "Asia/Tokyo")
                .statementTimeout(Duration.ofSeconds(42)).build()).database();
        for (int i = 0; i < 5; i++) {
            assertThat(db.sql(Lane.BACKGROUND, "SELECT current_setting('TimeZone') || '/' || current_setting('statement_timeout')")
                    .map(RowMapper.column(String.class)).one().block()).isEqualTo("Asia/Tokyo/42s");
        }
        int inits = t.pg().queryOne("SELECT count(*)::int FROM " + t.schema() + ".init_log", r -> r.get(0, Integer.class));
        assertThat(inits).isEqualTo(1);
    }

    @Test
    void recyclesAConnectionAfterMaxUses() {
        Database db = t.start(t.lane(Lane.INTERACTIVE).maxSize(1).maxUses(3).build()).database();
        List<Integer> pids = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            pids.add(pid(db, Lane.INTERACTIVE));
        }
        assertThat(new LinkedHashSet<>(pids)).hasSize(3);
        assertThat(pids.subList(0, 3)).containsOnly(pids.get(0));
        assertThat(pids.subList(3, 6)).containsOnly(pids.get(3));
    }

    @Test
    void replacesAConnectionPastItsLifetime() {
        Database db = t.start(t.lane(Lane.INTERACTIVE).maxSize(1).maxLifetime(Duration.ofMillis(300))
                .lifetimeJitter(Duration.ZERO).build()).database();
        Integer first = pid(db, Lane.INTERACTIVE);
        assertThat(pid(db, Lane.INTERACTIVE)).isEqualTo(first);
        Mono.delay(Duration.ofMillis(400)).block();
        assertThat(pid(db, Lane.INTERACTIVE)).isNotEqualTo(first);
    }

    @Test
    void refillsToMinIdleInTheBackground() {
        Lanes lanes = t.start(t.lane(Lane.INTERACTIVE).maxSize(4).minIdle(2).evictionInterval(Duration.ofMillis(200)).build());
        assertThat(t.pg().awaitBackends(t.appName(Lane.INTERACTIVE), 2, Duration.ofSeconds(5))).isEqualTo(2);
        t.pg().terminate(t.appName(Lane.INTERACTIVE));
        // the dead ones are found and replaced without any work asking for them
        lanes.database().sql(Lane.INTERACTIVE, "SELECT 1").rowsUpdated().onErrorResume(e -> Mono.empty()).block();
        assertThat(t.pg().awaitBackends(t.appName(Lane.INTERACTIVE), 2, Duration.ofSeconds(5))).isEqualTo(2);
    }

    @Test
    void acquireTimeoutSaysWhichLaneHowLongAndThePoolState() {
        Lanes lanes = t.start(t.lane(Lane.INTERACTIVE).maxSize(1).acquireTimeout(Duration.ofMillis(200)).retry(RetryPolicy.none()).build());
        Database db = lanes.database();
        Disposable holder = db.withConnection(Lane.INTERACTIVE, s -> s.sql("SELECT pg_sleep(2)").rowsUpdated()).subscribe();
        long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (lanes.snapshot(Lane.INTERACTIVE).acquired() < 1 && System.nanoTime() < until) {
            Mono.delay(Duration.ofMillis(5)).block();
        }
        long start = System.nanoTime();
        StepVerifier.create(db.sql(Lane.INTERACTIVE, "SELECT 1").rowsUpdated())
                .verifyErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(ConnectionUnavailableException.class)
                            .hasMessageContaining("[lane interactive]").hasMessageContaining("acquireTimeout=200 ms")
                            .hasMessageContaining("active=1");
                    ConnectionUnavailableException c = (ConnectionUnavailableException) e;
                    assertThat(c.pool().acquired()).isEqualTo(1);
                    assertThat(c.waited()).isGreaterThanOrEqualTo(Duration.ofMillis(150));
                    assertThat(c.isTransient()).isTrue();
                });
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("one timeout, not two (no acquire retry)")
                .isLessThan(Duration.ofMillis(390));
        holder.dispose();
    }

    @Test
    void fullWaitQueueRejectsAtOnce() {
        Lanes lanes = t.start(t.lane(Lane.INTERACTIVE).maxSize(1).maxPendingAcquires(2).acquireTimeout(Duration.ofSeconds(5)).build());
        Database db = lanes.database();
        List<Disposable> busy = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            busy.add(db.withConnection(Lane.INTERACTIVE, s -> s.sql("SELECT pg_sleep(1)").rowsUpdated()).subscribe());
        }
        Mono.delay(Duration.ofMillis(100)).block();
        StepVerifier.create(db.sql(Lane.INTERACTIVE, "SELECT 1").rowsUpdated())
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(io.sluice.LaneOverloadedException.class)
                            .hasMessageContaining("rejected at once").hasMessageContaining("1 in flight (limit 1)")
                            .hasMessageContaining("2 waiting (queue holds 2)");
                    io.sluice.LaneOverloadedException o = (io.sluice.LaneOverloadedException) e;
                    assertThat(o.limit()).isEqualTo(1);
                    assertThat(o.queued()).isEqualTo(2);
                    assertThat(o.isRetryable()).isFalse();
                })
                .verify(Duration.ofMillis(500));
        assertThat(lanes.admission(Lane.INTERACTIVE)).isEqualTo(new AdmissionSnapshot(1, 2, 1, 2, "CLOSED"));
        busy.forEach(Disposable::dispose);
    }

    @Test
    void unknownLaneIsATypedErrorNamingTheConfiguredOnes() {
        Database db = t.start(t.lane(Lane.INTERACTIVE).build()).database();
        StepVerifier.create(db.sql(Lane.of("reports"), "SELECT 1").rowsUpdated())
                .verifyErrorSatisfies(e -> assertThat(e).isInstanceOf(UnknownLaneException.class)
                        .hasMessageContaining("'reports'").hasMessageContaining("interactive"));
    }

    @Test
    void gracefulCloseLetsInFlightWorkFinishAndRefusesNewWork() {
        Lanes lanes = t.start(t.lane(Lane.INTERACTIVE).maxSize(2).build());
        Database db = lanes.database();
        Mono<Integer> inFlight = db.sql(Lane.INTERACTIVE, "SELECT 7 FROM pg_sleep(0.5)").map(RowMapper.column(Integer.class)).one().cache();
        inFlight.subscribe();
        Mono.delay(Duration.ofMillis(100)).block();
        Mono<Void> closing = lanes.closeGracefully(Duration.ofSeconds(5)).cache();
        closing.subscribe();
        StepVerifier.create(db.sql(Lane.INTERACTIVE, "SELECT 1").rowsUpdated()).verifyError(LaneClosedException.class);
        assertThat(inFlight.block(Duration.ofSeconds(5))).isEqualTo(7);
        closing.block(Duration.ofSeconds(5));
        assertThat(t.pg().awaitBackends(t.appName(Lane.INTERACTIVE), 0, Duration.ofSeconds(5))).isZero();
        StepVerifier.create(db.sql(Lane.INTERACTIVE, "SELECT 1").rowsUpdated())
                .verifyErrorSatisfies(e -> assertThat(e).isInstanceOf(LaneClosedException.class).hasMessageContaining("closed"));
    }

    @Test
    void connectionsStillHeldWhenTheGraceEndsAreClosedTheirStatementsCancelled() {
        Lanes lanes = t.start(t.lane(Lane.INTERACTIVE).maxSize(2).build());
        Database db = lanes.database();
        // work that never hands its connection back (a subscriber that never cancels), and a statement longer than the grace
        Mono<Long> stuck = db.withConnection(Lane.INTERACTIVE, s -> s.sql("SELECT 1").rowsUpdated().then(Mono.<Long>never())).cache();
        Mono<Long> slow = db.sql(Lane.INTERACTIVE, "SELECT pg_sleep(60)").rowsUpdated().cache();
        reactor.core.Disposable running = Flux.merge(stuck, slow).subscribe(v -> { }, e -> { });
        try {
            assertThat(t.pg().awaitBackends(t.appName(Lane.INTERACTIVE), 2, Duration.ofSeconds(5))).isEqualTo(2);
            Mono.delay(Duration.ofMillis(200)).block();
            lanes.closeGracefully(Duration.ofMillis(200)).block(Duration.ofSeconds(10));
            // closed when the grace ended, not left on the server until the work ends (one never does, one in a minute)
            assertThat(t.pg().awaitBackends(t.appName(Lane.INTERACTIVE), 0, Duration.ofSeconds(5))).isZero();
            StepVerifier.create(slow).expectError(io.sluice.SluiceException.class).verify(Duration.ofSeconds(5));
        } finally {
            running.dispose();
        }
    }

    @Test
    void concurrentWorkNeverExceedsTheLaneSize() {
        Lanes lanes = t.start(t.lane(Lane.BACKGROUND).maxSize(3).maxPendingAcquires(50).acquireTimeout(Duration.ofSeconds(10)).build());
        Set<Integer> pids = java.util.concurrent.ConcurrentHashMap.newKeySet();
        Flux.range(0, 60).flatMap(i -> lanes.database().sql(Lane.BACKGROUND, "SELECT pg_backend_pid() FROM pg_sleep(0.01)")
                .map(RowMapper.column(Integer.class)).one(), 20).doOnNext(pids::add).blockLast();
        assertThat(pids).hasSizeLessThanOrEqualTo(3);
        assertThat(t.pg().backends(t.appName(Lane.BACKGROUND))).isLessThanOrEqualTo(3);
    }

    @Test
    void aConnectionHeldPastTheLeakThresholdIsReportedOnce() {
        io.micrometer.core.instrument.simple.SimpleMeterRegistry meters = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        Lanes lanes = Lanes.builder(t.pg().server()).meterRegistry(meters)
                .lane(t.lane(Lane.BACKGROUND).maxSize(2).leakDetectionThreshold(Duration.ofMillis(100))
                        .evictionInterval(Duration.ofMillis(50)).build())
                .build().start().block();
        try {
            lanes.database().withConnection(Lane.BACKGROUND, s -> Mono.delay(Duration.ofMillis(600)).then(s.sql("SELECT 1").rowsUpdated())).block();
            assertThat(meters.counter(SluiceMeters.LEAK_SUSPECTS, "lane", "background").count()).isEqualTo(1.0);
            lanes.database().sql(Lane.BACKGROUND, "SELECT 1").rowsUpdated().block();
            Mono.delay(Duration.ofMillis(200)).block();
            assertThat(meters.counter(SluiceMeters.LEAK_SUSPECTS, "lane", "background").count()).isEqualTo(1.0);
        } finally {
            lanes.close();
        }
    }
}
