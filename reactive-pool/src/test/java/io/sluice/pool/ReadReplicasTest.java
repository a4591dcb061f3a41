package io.sluice.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.Database;
import io.sluice.Lane;
import io.sluice.RowMapper;
import io.sluice.testing.Await;
import io.sluice.testing.ReplicationCluster;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.util.context.Context;

/** A lane that reads from a real streaming standby (a primary and a standby of the test's own). */
class ReadReplicasTest {

    private static final Lane WRITES = Lane.of("writes");
    private static final Lane READS = Lane.of("reads");
    private static final Duration T = Duration.ofSeconds(20);

    private static ReplicationCluster cluster;
    private Lanes lanes;
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @BeforeAll
    static void cluster() {
        cluster = ReplicationCluster.start();
        cluster.execute(cluster.primaryPort(), "CREATE TABLE notes (id int PRIMARY KEY, body text)");
        cluster.awaitReplayed();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @AfterEach
    void closeLanes() {
        if (lanes != null) {
            lanes.close();
        }
        cluster.execute(cluster.standbyPort(), "SELECT pg_wal_replay_resume()");
    }

    private Database start(ReadReplicas replicas) {
        lanes = Lanes.builder(cluster.primary())
                .lane(LaneConfig.builder(WRITES).maxSize(2).build())
                .lane(LaneConfig.builder(READS).maxSize(2).initialSize(1).acquireTimeout(Duration.ofSeconds(2)).build())
                .readReplicas(READS, replicas)
                .meterRegistry(meters)
                .build().start().block(T);
        return lanes.database();
    }

    private static ReadReplicas.Builder replicas() {
        return ReadReplicas.builder().standby(cluster.standby()).checkInterval(Duration.ofMillis(100));
    }

    /** Whether a read on READS ran on a standby (under the given context). */
    private static boolean readOnStandby(Database db, Context ctx) {
        return db.sql(READS, "SELECT pg_is_in_recovery()").idempotent().map(RowMapper.column(Boolean.class)).one()
                .contextWrite(ctx).block(T);
    }

    private ReplicaStatus.State state() {
        return lanes.replicas(READS).get(0).state();
    }

    @Test
    void readsGoToTheStandbyAndWritesToThePrimary() {
        Database db = start(replicas().build());
        for (int i = 0; i < 4; i++) {
            assertTrue(readOnStandby(db, Context.empty()), "a read of a lane with a standby in rotation runs on it");
        }
        assertFalse(db.sql(WRITES, "SELECT pg_is_in_recovery()").map(RowMapper.column(Boolean.class)).one().block(T));
        assertFalse(readOnStandby(db, ReadYourWrites.primary()), "ReadYourWrites.primary() sends a read to the primary");
        assertEquals(4.0, meters.get(SluiceMeters.REPLICA_READS).tag("reason", "rotation").counter().count());
        assertEquals(1.0, meters.get(SluiceMeters.REPLICA_READS).tag("server", "primary").tag("reason", "asked").counter().count());
    }

    @Test
    void aStoppedStandbySendsReadsToThePrimaryAndBackWhenItReturns() {
        Database db = start(replicas().build());
        assertTrue(readOnStandby(db, Context.empty()));
        cluster.stopStandby();
        try {
            for (int i = 0; i < 3; i++) {
                assertFalse(readOnStandby(db, Context.empty()), "with the standby down, reads go to the primary without an error");
            }
            ReplicaStatus s = lanes.replicas(READS).get(0);
            assertEquals(ReplicaStatus.State.DOWN, s.state(), s.toString());
            assertNotNull(s.reason());
            assertEquals(0.0, meters.get(SluiceMeters.REPLICA_AVAILABLE).gauge().value());
            LaneHealth health = lanes.currentHealth().lanes().get("reads");
            assertEquals(HealthStatus.DEGRADED, health.status());
            assertTrue(health.reasons().stream().anyMatch(r -> r.startsWith("standby 127.0.0.1:" + cluster.standbyPort())
                    && r.contains("out of rotation (DOWN") && r.endsWith("reads go to the primary")), health.reasons().toString());
        } finally {
            cluster.startStandby();
        }
        assertTrue(Await.until(T, () -> state() == ReplicaStatus.State.UP), () -> "back in rotation: " + lanes.replicas(READS));
        assertTrue(readOnStandby(db, Context.empty()), "reads go to the standby again once a check reached it");
        assertEquals(1.0, meters.get(SluiceMeters.REPLICA_AVAILABLE).gauge().value());
    }

    @Test
    void aRetrySafeReadRunningWhenItsStandbyStopsFinishesOnThePrimary() throws Exception {
        Database db = start(replicas().build());
        java.util.concurrent.CompletableFuture<Boolean> running = db.sql(READS, "SELECT pg_is_in_recovery() FROM pg_sleep(2)")
                .idempotent().map(RowMapper.column(Boolean.class)).one().toFuture();
        assertTrue(Await.until(T, () -> cluster.queryOne(cluster.standbyPort(),
                "SELECT count(*)::int FROM pg_stat_activity WHERE query LIKE '%FROM pg_sleep(2)' AND pid <> pg_backend_pid()",
                r -> r.get(0, Integer.class)) == 1), "the read runs on the standby");
        cluster.stopStandby();
        try {
            assertFalse(running.get(T.toSeconds(), java.util.concurrent.TimeUnit.SECONDS),
                    "retried after the standby went away, on the primary, with no error");
            assertEquals(ReplicaStatus.State.DOWN, state());
        } finally {
            cluster.startStandby();
        }
    }

    @Test
    void checksNeverWaitForABusyPrimaryPool() {
        Database db = start(replicas().build());
        Mono<Long> hold = db.withConnection(READS, s -> Mono.delay(Duration.ofMillis(3000))).contextWrite(ReadYourWrites.primary());
        Mono.zip(hold, hold).block(T);   // both primary connections of READS held past its 2 s acquireTimeout
        assertEquals(0, lanes.lane(READS).pool().acquireTimeouts.sum(), "the checks do not use the lane's pool");
        assertEquals(ReplicaStatus.State.UP, state());
        assertTrue(readOnStandby(db, Context.empty()));
    }

    @Test
    void startsWithTheStandbyDownAndReadsFromThePrimaryUntilItAnswers() {
        cluster.stopStandby();
        Database db;
        try {
            db = start(replicas().build());
            assertEquals(ReplicaStatus.State.DOWN, state(), "a standby that does not answer at start is out of rotation");
            assertFalse(readOnStandby(db, Context.empty()));
        } finally {
            cluster.startStandby();
        }
        assertTrue(Await.until(T, () -> state() == ReplicaStatus.State.UP), () -> "in rotation: " + lanes.replicas(READS));
        assertTrue(readOnStandby(db, Context.empty()));
    }

    @Test
    void aLaggingStandbyIsTakenOutOfRotationUntilItCatchesUp() {
        Database db = start(replicas().maxLag(Duration.ofMillis(500)).build());
        assertTrue(readOnStandby(db, Context.empty()));
        cluster.execute(cluster.standbyPort(), "SELECT pg_wal_replay_pause()");
        cluster.execute(cluster.primaryPort(), "INSERT INTO notes VALUES (100, 'lag')");
        assertTrue(Await.until(T, () -> state() == ReplicaStatus.State.LAGGING), () -> "lag detected: " + lanes.replicas(READS));
        ReplicaStatus s = lanes.replicas(READS).get(0);
        assertTrue(s.lagBytes() > 0 && s.lag().compareTo(Duration.ofMillis(500)) > 0, s.toString());
        assertTrue(s.reason().contains("maxLag=500 ms"), s.reason());
        assertFalse(readOnStandby(db, Context.empty()), "a lagging standby takes no reads");
        assertTrue(meters.get(SluiceMeters.REPLICA_LAG).gauge().value() > 0.5);

        cluster.execute(cluster.standbyPort(), "SELECT pg_wal_replay_resume()");
        assertTrue(Await.until(T, () -> state() == ReplicaStatus.State.UP), () -> "caught up: " + lanes.replicas(READS));
        assertTrue(readOnStandby(db, Context.empty()));
        assertEquals(0, lanes.replicas(READS).get(0).lagBytes());
    }

    @Test
    void aReadAfterAWriteWaitsForTheStandbyOrGoesToThePrimary() {
        Database db = start(replicas().maxLag(Duration.ofMinutes(1)).readYourWritesWait(Duration.ofMillis(300)).build());
        // replay paused: the standby stays in rotation (the lag bound is a minute) but lacks the write
        cluster.execute(cluster.standbyPort(), "SELECT pg_wal_replay_pause()");
        db.sql(WRITES, "INSERT INTO notes VALUES (1, 'mine')").rowsUpdated().block(T);
        WalPosition written = lanes.commitPosition(WRITES).block(T);
        assertNotNull(written);

        assertNull(bodyOf(db, 1, Context.empty()), "a plain read on the paused standby does not see the write");
        assertEquals("mine", bodyOf(db, 1, ReadYourWrites.after(written)), "read-your-writes goes to the primary after its wait");
        assertEquals(1.0, meters.get(SluiceMeters.REPLICA_READS).tag("reason", "read_your_writes").counter().count());

        // replaying: the read waits for the standby and runs there
        cluster.execute(cluster.standbyPort(), "SELECT pg_wal_replay_resume()");
        db.sql(WRITES, "INSERT INTO notes VALUES (2, 'mine too')").rowsUpdated().block(T);
        WalPosition second = lanes.commitPosition(WRITES).block(T);
        assertTrue(second.compareTo(written) > 0);
        List<Object> row = db.sql(READS, "SELECT body, pg_is_in_recovery() FROM notes WHERE id = 2")
                .map(r -> List.<Object>of(r.get(0, String.class), r.get(1, Boolean.class))).one()
                .contextWrite(ReadYourWrites.after(second)).block(T);
        assertEquals(List.of("mine too", true), row, "read on the standby once it replayed the write");
        assertEquals(second, WalPosition.parse(second.toString()));
    }

    @Test
    void aReadCancelledWhileWaitingForReplayHandsItsConnectionBack() {
        Database db = start(replicas().maxLag(Duration.ofMinutes(1)).readYourWritesWait(Duration.ofSeconds(10)).build());
        cluster.execute(cluster.standbyPort(), "SELECT pg_wal_replay_pause()");
        db.sql(WRITES, "INSERT INTO notes VALUES (3, 'waiting')").rowsUpdated().block(T);
        WalPosition written = lanes.commitPosition(WRITES).block(T);
        LanePool standbyPool = lanes.lane(READS).router().standbys().get(0).pool;

        Mono<String> read = db.sql(READS, "SELECT body FROM notes WHERE id = 3").map(RowMapper.column(String.class)).one()
                .contextWrite(ReadYourWrites.after(written));
        assertThrows(Exception.class, () -> read.timeout(Duration.ofMillis(300)).block(T), "cancelled by its timeout while waiting");
        assertTrue(Await.until(T, () -> standbyPool.snapshot().acquired() == 0 && lanes.admission(READS).inFlight() == 0),
                () -> "nothing held after the cancel: " + standbyPool.snapshot() + ", " + lanes.admission(READS));
        cluster.execute(cluster.standbyPort(), "SELECT pg_wal_replay_resume()");
        assertEquals("waiting", bodyOf(db, 3, ReadYourWrites.after(written)), "the lane serves on");
    }

    private static String bodyOf(Database db, int id, Context ctx) {
        return db.sql(READS, "SELECT body FROM notes WHERE id = $1").bind(1, id).map(RowMapper.column(String.class))
                .optional().contextWrite(ctx).blockOptional(T).orElse(null);
    }

    @Test
    void resizeAndRefreshReachTheStandbysPools() {
        Database db = start(replicas().build());
        int before = db.sql(READS, "SELECT pg_backend_pid()").map(RowMapper.column(Integer.class)).one().block(T);
        lanes.resize(READS, LaneResize.maxSize(1)).block(T);
        assertEquals(1, lanes.lane(READS).router().standbys().get(0).pool.maxSize());
        lanes.refresh(READS).block(T);
        List<Object> after = db.sql(READS, "SELECT pg_backend_pid(), pg_is_in_recovery()")
                .map(r -> List.<Object>of(r.get(0, Integer.class), r.get(1, Boolean.class))).one().block(T);
        assertEquals(true, after.get(1));
        assertTrue(!after.get(0).equals(before), "refresh replaced the standby's connection");
    }

    @Test
    void closingTheLanesClosesTheStandbysConnections() {
        Database db = start(replicas().build());
        assertTrue(readOnStandby(db, Context.empty()));
        lanes.close();
        lanes = null;
        for (int port : new int[] {cluster.standbyPort(), cluster.primaryPort()}) {
            assertTrue(Await.until(T, () -> cluster.queryOne(port, "SELECT count(*)::int FROM pg_stat_activity "
                    + "WHERE backend_type = 'client backend' AND application_name <> 'sluice-test-admin'",
                    r -> r.get(0, Integer.class)) == 0), "no connection left open on port " + port);
        }
    }
}
