package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.Database;
import io.sluice.Lane;
import io.sluice.RowMapper;
import io.sluice.TransientConnectionException;
import io.sluice.testing.TestLanes;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Lanes recover by themselves after their backends are killed; a dead connection is never handed out twice. */
class RecoveryTest {

    private static final Lane LANE = Lane.INTERACTIVE;
    private static final int MAX = 4;
    private static TestLanes t;
    private static Lanes lanes;
    private static Database db;

    @BeforeAll
    static void start() {
        t = new TestLanes("recovery");
        lanes = t.start(t.lane(LANE).maxSize(MAX).initialSize(MAX).maxPendingAcquires(100).build());
        db = lanes.database();
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    private static Mono<Integer> query() {
        return db.sql(LANE, "SELECT pg_backend_pid() FROM pg_sleep(0.002)").map(RowMapper.column(Integer.class)).one();
    }

    @Test
    void killedIdleConnectionsAreReplacedWithoutAnyCallerSeeingAnError() {
        Flux.range(0, 20).flatMap(i -> query(), MAX).blockLast();
        assertThat(t.pg().terminate(t.appName(LANE))).isEqualTo(MAX);
        Mono.delay(Duration.ofMillis(200)).block();
        List<Integer> pids = Flux.range(0, 40).flatMap(i -> query(), MAX).collectList().block();
        assertThat(pids).hasSize(40);
        assertThat(t.pg().backends(t.appName(LANE))).isLessThanOrEqualTo(MAX);
    }

    @Test
    void killingEveryBackendMidLoadFailsOnlyWorkInFlightAndTheLaneServesAgain() {
        AtomicInteger done = new AtomicInteger();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        Mono<Void> load = Flux.range(0, 1500)
                .flatMap(i -> query().doOnNext(x -> done.incrementAndGet())
                        .onErrorResume(e -> {
                            errors.add(e);
                            return Mono.empty();
                        }), 2 * MAX)
                .then()
                .cache();
        load.subscribe();
        while (done.get() < 200) {
            Mono.delay(Duration.ofMillis(5)).block();
        }
        int killed = t.pg().terminate(t.appName(LANE));
        load.block(Duration.ofSeconds(60));

        assertThat(killed).isBetween(1, MAX);
        assertThat(errors).as("only work running on a killed connection fails, once per connection")
                .hasSizeLessThanOrEqualTo(killed)
                .allSatisfy(e -> assertThat(e).isInstanceOf(TransientConnectionException.class).hasMessageContaining("[lane interactive]"));
        assertThat(done.get() + errors.size()).isEqualTo(1500);
        // and afterwards: no error at all, within the lane's bounds
        assertThat(Flux.range(0, 200).flatMap(i -> query(), 2 * MAX).count().block()).isEqualTo(200);
        assertThat(t.pg().backends(t.appName(LANE))).isLessThanOrEqualTo(MAX);
        // nothing held: the lane's own refill after the kill may hold a connection for a moment, so eventually
        assertThat(io.sluice.testing.Await.noneLentOut(lanes, LANE))
                .as("connections still lent out: %s", lanes.snapshot(LANE)).isTrue();
    }
}
