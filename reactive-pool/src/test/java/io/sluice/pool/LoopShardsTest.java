package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.Database;
import io.sluice.Lane;
import io.sluice.PoolSnapshot;
import io.sluice.testing.Await;
import io.sluice.testing.PostgresFixture;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A lane of several event loops keeps a share of its connections on each ({@code LanePool}'s shards), and a caller
 * running on one of those threads is given a connection of its own thread: no hand-off, every loop used.
 */
class LoopShardsTest {

    private static final Lane LANE = Lane.INTERACTIVE;
    private final PostgresFixture pg = PostgresFixture.get();
    private Lanes lanes;

    private Database start(int loops, LaneConfig.Builder lane) {
        lanes = Lanes.builder(pg.serverBuilder().eventLoops(loops).build()).lane(lane.build()).build();
        lanes.start().block(Duration.ofSeconds(30));
        return lanes.database();
    }

    @AfterEach
    void close() {
        if (lanes != null) {
            lanes.close();
        }
    }

    private static Mono<String> thread(Database db) {
        return db.sql(LANE, "SELECT 1").map(r -> Thread.currentThread().getName()).one();
    }

    @Test
    void theLanesConnectionsAreSplitBetweenItsLoopsAndAllOfThemServe() {
        Database db = start(2, LaneConfig.builder(LANE).maxSize(4).initialSize(4));
        PoolSnapshot s = lanes.snapshot(LANE);
        assertThat(s.maxSize()).as("the lane's maximum is the shards' together").isEqualTo(4);
        assertThat(s.allocated()).isEqualTo(4);
        // callers from outside the loops, all at once: answers come on both of the lane's threads
        Set<String> threads = ConcurrentHashMap.newKeySet();
        Flux.range(0, 200).flatMap(i -> thread(db), 8).map(t -> t.replaceAll("-(nio|epoll)-\\d+$", ""))
                .doOnNext(threads::add).blockLast(Duration.ofSeconds(30));
        assertThat(threads).containsExactlyInAnyOrder("sluice-interactive-io-0", "sluice-interactive-io-1");
        assertThat(Await.noneLentOut(lanes, LANE)).isTrue();
    }

    @Test
    void aCallerOnALoopThreadIsGivenAConnectionOfItsOwnThread() {
        Database db = start(2, LaneConfig.builder(LANE).maxSize(4).initialSize(4));
        // each query of the chain is subscribed on the thread that delivered the previous answer, and the connection
        // that answered is back by then: the chain stays on one thread. (A caller whose own loop has nothing idle is
        // given another loop's idle connection rather than wait for one to open.)
        List<String> threads = thread(db).expand(t -> thread(db)).take(50).collectList().block(Duration.ofSeconds(30));
        assertThat(threads).hasSize(50).containsOnly(threads.get(0));
        assertThat(threads.get(0)).startsWith("sluice-interactive-io-");
    }

    @Test
    void aResizeIsSplitBetweenTheShardsAndALaneSmallerThanItsLoopsStillServes() {
        Database db = start(2, LaneConfig.builder(LANE).maxSize(4).initialSize(2).evictionInterval(Duration.ofMillis(100)));
        lanes.resize(LANE, LaneResize.maxSize(1)).block(Duration.ofSeconds(20));
        assertThat(lanes.snapshot(LANE).maxSize()).isEqualTo(1);
        // concurrent callers on both loops' threads: the one connection serves them all, none fails
        Flux.range(0, 4).flatMap(i -> thread(db).flatMap(t -> Flux.range(0, 20).concatMap(j -> thread(db)).then()), 4)
                .blockLast(Duration.ofSeconds(30));
        assertThat(Await.until(Duration.ofSeconds(20), () -> lanes.snapshot(LANE).allocated() <= 1)).as("%s", lanes.snapshot(LANE)).isTrue();
        lanes.resize(LANE, LaneResize.maxSize(5)).block(Duration.ofSeconds(20));
        assertThat(lanes.snapshot(LANE).maxSize()).isEqualTo(5);
        Flux.range(0, 100).flatMap(i -> thread(db), 5).blockLast(Duration.ofSeconds(30));
        assertThat(Await.noneLentOut(lanes, LANE)).isTrue();
    }

    @Test
    void theLanesPendingLimitCountsTheCallersWaitingAtEveryShard() {
        // admission wide open so that callers wait at the pool: 2 connections, 2 may wait, the fifth is refused at once
        Database db = start(2, LaneConfig.builder(LANE).maxSize(2).maxPendingAcquires(2).admissionLimit(8)
                .acquireTimeout(Duration.ofSeconds(5)));
        List<reactor.core.Disposable> holders = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            holders.add(db.withConnection(LANE, s -> Mono.never()).subscribe());
        }
        assertThat(Await.until(Duration.ofSeconds(5), () -> lanes.snapshot(LANE).pending() == 2)).as("%s", lanes.snapshot(LANE)).isTrue();
        Throwable refused = thread(db).map(t -> (Throwable) null).onErrorResume(e -> Mono.just(e)).block(Duration.ofSeconds(10));
        assertThat(refused).isInstanceOf(io.sluice.ConnectionUnavailableException.class)
                .hasMessageContaining("maxPendingAcquires=2");
        holders.forEach(reactor.core.Disposable::dispose);
        assertThat(Await.noneLentOut(lanes, LANE)).isTrue();
    }

    @Test
    void shareSplitsATotalWithTheRemainderFirst() {
        assertThat(List.of(LoopShards.share(5, 2, 0), LoopShards.share(5, 2, 1))).containsExactly(3, 2);
        assertThat(List.of(LoopShards.share(1, 2, 0), LoopShards.share(1, 2, 1))).containsExactly(1, 0);
        assertThat(LoopShards.share(16, 1, 0)).isEqualTo(16);
    }
}
