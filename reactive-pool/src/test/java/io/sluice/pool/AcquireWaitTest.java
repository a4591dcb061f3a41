package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.ConnectionUnavailableException;
import io.sluice.Database;
import io.sluice.Lane;
import io.sluice.RowMapper;
import io.sluice.testing.FaultProxy;
import io.sluice.testing.TestLanes;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** acquireTimeout bounds the whole wait for a connection: the admission queue and the pool together. */
class AcquireWaitTest {

    private static final Lane LANE = Lane.INTERACTIVE;
    private TestLanes t;
    private FaultProxy proxy;
    private Lanes lanes;

    @BeforeEach
    void start() {
        t = new TestLanes("acquirewait");
        proxy = FaultProxy.start(t.pg().server().host(), t.pg().server().port());
    }

    @AfterEach
    void stop() {
        if (lanes != null) {
            lanes.close();
        }
        proxy.close();
        t.close();
    }

    private record Waited(Duration took, Throwable error) {
    }

    private static List<Waited> callers(Database db, int n) {
        return Flux.range(0, n).flatMap(i -> Mono.defer(() -> {
            long start = System.nanoTime();
            return db.sql(LANE, "SELECT 1").map(RowMapper.column(Integer.class)).one()
                    .map(x -> new Waited(Duration.ofNanos(System.nanoTime() - start), null))
                    .onErrorResume(e -> Mono.just(new Waited(Duration.ofNanos(System.nanoTime() - start), e)));
        }), n).collectList().block(Duration.ofSeconds(30));
    }

    @Test
    void aConfigured500msIsNeverWaitedTwiceWhileConnectionsAreCreatedAgainstASlowServer() {
        ServerConfig server = t.pg().serverBuilder().host(proxy.host()).port(proxy.port()).connectTimeout(Duration.ofSeconds(10)).build();
        lanes = Lanes.builder(server).checkBudget(false).meterRegistry(new SimpleMeterRegistry())
                .lane(t.lane(LANE).maxSize(2).maxPendingAcquires(16).acquireTimeout(Duration.ofMillis(500))
                        .retry(RetryPolicy.none()).noCircuitBreaker().build())
                .build().start().block();
        proxy.latency(Duration.ofMillis(700));     // every round trip of a connection's start-up: seconds to open one

        List<Waited> waited = callers(lanes.database(), 8);

        assertThat(waited).allSatisfy(w -> {
            assertThat(w.error()).isInstanceOf(ConnectionUnavailableException.class);
            assertThat(w.took()).as("gate and pool together").isLessThan(Duration.ofMillis(600));
        });
        // some waited in the gate's queue, then in the pool: the queue's wait is counted against the pool's
        assertThat(waited.stream().mapToLong(w -> w.took().toMillis()).max().orElseThrow()).isGreaterThanOrEqualTo(480);
    }

    @Test
    void aUnitThatWaitedInTheQueueGetsOnlyWhatIsLeftFromThePool() {
        lanes = t.start(t.lane(LANE).maxSize(1).maxPendingAcquires(16).acquireTimeout(Duration.ofMillis(500))
                .retry(RetryPolicy.none()).noCircuitBreaker().build());
        Database db = lanes.database();
        // one unit holds the only connection for 400 ms; the next waits ~400 ms in the queue, is admitted, and
        // finds the connection free at once; a third waits its whole 500 ms in the queue
        List<Waited> waited = Flux.range(0, 3).flatMap(i -> Mono.defer(() -> {
            long start = System.nanoTime();
            return db.sql(LANE, i == 0 ? "SELECT 1 FROM pg_sleep(0.4)" : "SELECT 1 FROM pg_sleep(0.3)").map(RowMapper.column(Integer.class)).one()
                    .map(x -> new Waited(Duration.ofNanos(System.nanoTime() - start), null))
                    .onErrorResume(e -> Mono.just(new Waited(Duration.ofNanos(System.nanoTime() - start), e)));
        }), 3).collectList().block(Duration.ofSeconds(30));
        assertThat(waited).filteredOn(w -> w.error() != null).allSatisfy(w ->
                assertThat(w.took()).isLessThan(Duration.ofMillis(600)));
    }
}
