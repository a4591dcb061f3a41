package io.sluice.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.ConnectionUnavailableException;
import io.sluice.Database;
import io.sluice.Lane;
import io.sluice.RowMapper;
import io.sluice.testing.ReplicationCluster;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/** A write lane over a host list (target_session_attrs=read-write) follows a promotion of its standby. */
class FailoverTest {

    private static final Lane WRITES = Lane.of("writes");
    private static final Lane NO_RETRY = Lane.of("no-retry");
    private static final Duration T = Duration.ofSeconds(30);

    private ReplicationCluster cluster;
    private Lanes lanes;

    @BeforeEach
    void cluster() {
        cluster = ReplicationCluster.start();
    }

    @AfterEach
    void close() {
        if (lanes != null) {
            lanes.close();
        }
        cluster.close();
    }

    private Database start() {
        ServerConfig hosts = ServerConfig.builder()
                .hosts(new ServerAddress("127.0.0.1", cluster.primaryPort()), new ServerAddress("127.0.0.1", cluster.standbyPort()))
                .targetSessionAttrs(TargetSessionAttrs.READ_WRITE)
                .user("postgres").database("postgres").sslMode(SslMode.DISABLE).connectTimeout(Duration.ofSeconds(3)).build();
        lanes = Lanes.builder(hosts)
                .lane(LaneConfig.builder(WRITES).maxSize(2).noCircuitBreaker()
                        .retry(RetryPolicy.backoff(60, Duration.ofMillis(50), Duration.ofMillis(250)).maxTotal(Duration.ofSeconds(15)))
                        .build())
                .lane(LaneConfig.builder(NO_RETRY).maxSize(1).retry(RetryPolicy.none()).noCircuitBreaker().build())
                .build().start().block(T);
        return lanes.database();
    }

    private static Mono<Integer> serverPort(Database db, Lane lane) {
        return db.sql(lane, "SELECT inet_server_port()").idempotent().map(RowMapper.column(Integer.class)).one();
    }

    @Test
    void aWriteLaneFindsThePromotedStandbyAndRetrySafeWorkSeesNoError() throws Exception {
        Database db = start();
        assertEquals(cluster.primaryPort(), serverPort(db, WRITES).block(T), "read-write: the primary, though listed first or not");

        cluster.stopPrimary();
        // no host is read-write now: a lane without retries says so, naming the host list
        ConnectionUnavailableException e = assertThrows(ConnectionUnavailableException.class, () -> serverPort(db, NO_RETRY).block(T));
        assertTrue(e.getMessage().contains("could not open a connection to 127.0.0.1:" + cluster.primaryPort() + ",127.0.0.1:"
                + cluster.standbyPort() + "/postgres as postgres (sslmode disable, target_session_attrs read-write)"), e.getMessage());
        assertTrue(e.isRetryable(), "nothing reached a server: safe to retry");

        // retry-safe work started during the failover completes on the new primary once it is promoted
        CompletableFuture<Integer> during = serverPort(db, WRITES).toFuture();
        Thread.sleep(500);
        assertTrue(!during.isDone(), "still retrying while no primary exists");
        cluster.promoteStandby();
        assertEquals(cluster.standbyPort(), during.get(T.toSeconds(), java.util.concurrent.TimeUnit.SECONDS));
        db.sql(WRITES, "CREATE TABLE after_failover (id int)").rowsUpdated().block(T);
        assertEquals(cluster.standbyPort(), serverPort(db, NO_RETRY).block(T), "new connections go to the new primary");
    }
}
