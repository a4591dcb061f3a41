package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.Database;
import io.sluice.Lane;
import io.sluice.testing.Await;
import io.sluice.testing.TestLanes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Idle eviction, lifetime and the minIdle floor, watched on the server (pg_stat_activity) and in the lane's snapshot. */
class RetirementIntegrationTest {

    private static TestLanes t;

    @BeforeAll
    static void start() {
        t = new TestLanes("retire");
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    private static Set<Integer> pids() {
        return new HashSet<>(t.pg().query("SELECT pid FROM pg_stat_activity WHERE application_name = '"
                + t.appName(Lane.INTERACTIVE) + "'", r -> r.get(0, Integer.class)));
    }

    private static void burst(Database db, int n) {
        Flux.range(0, n).flatMap(i -> db.sql(Lane.INTERACTIVE, "SELECT pg_sleep(0.2)").rowsUpdated(), n).blockLast();
    }

    /** Polls the server and the snapshot for {@code d}; the lowest count each showed. */
    private static int[] lowestOver(Lanes lanes, Duration d, List<Set<Integer>> seen) {
        int server = Integer.MAX_VALUE;
        int pool = Integer.MAX_VALUE;
        long until = System.nanoTime() + d.toNanos();
        while (System.nanoTime() < until) {
            Set<Integer> p = pids();
            seen.add(p);
            server = Math.min(server, p.size());
            pool = Math.min(pool, lanes.snapshot(Lane.INTERACTIVE).allocated());
            Mono.delay(Duration.ofMillis(20)).block();
        }
        return new int[]{server, pool};
    }

    @Test
    void idleEvictionNeverTakesALaneBelowMinIdle() {
        Lanes lanes = t.start(t.lane(Lane.INTERACTIVE).maxSize(8).minIdle(4).maxIdleTime(Duration.ofMillis(300)).build());
        assertThat(t.pg().awaitBackends(t.appName(Lane.INTERACTIVE), 4, Duration.ofSeconds(5))).isEqualTo(4);
        burst(lanes.database(), 8);
        List<Set<Integer>> seen = new ArrayList<>();
        int[] lowest = lowestOver(lanes, Duration.ofSeconds(2), seen);
        assertThat(lowest[0]).as("backends on the server").isGreaterThanOrEqualTo(4);
        assertThat(lowest[1]).as("allocated in the snapshot").isGreaterThanOrEqualTo(4);
        // above the floor, idle connections did go
        assertThat(seen.get(seen.size() - 1)).hasSize(4);
    }

    @Test
    void expiredConnectionsAtMinIdleAreReplacedBeforeTheyGo() {
        Lanes lanes = t.start(t.lane(Lane.INTERACTIVE).maxSize(8).minIdle(4).maxLifetime(Duration.ofSeconds(3)).build());
        assertThat(t.pg().awaitBackends(t.appName(Lane.INTERACTIVE), 4, Duration.ofSeconds(5))).isEqualTo(4);
        Set<Integer> first = pids();
        List<Set<Integer>> seen = new ArrayList<>();
        int[] lowest = lowestOver(lanes, Duration.ofSeconds(6), seen);
        assertThat(lowest[0]).as("backends on the server").isGreaterThanOrEqualTo(4);
        assertThat(lowest[1]).as("allocated in the snapshot").isGreaterThanOrEqualTo(4);
        assertThat(seen.get(seen.size() - 1)).as("the first generation was replaced").doesNotContainAnyElementsOf(first);
    }

    @Test
    void replacementIsSpreadGenerationAfterGeneration() {
        // alerts off: the background health probe's acquire and release may retire a connection off the
        // sweeps' grid, exactly the quota's 1 s after the last ones, which the 0.9 s window cannot tell apart
        Lanes lanes = t.start(b -> b.alerts(), t.lane(Lane.INTERACTIVE).maxSize(8).minIdle(8).maxLifetime(Duration.ofSeconds(4)).build());
        assertThat(t.pg().awaitBackends(t.appName(Lane.INTERACTIVE), 8, Duration.ofSeconds(5))).isEqualTo(8);
        Map<Integer, Long> goneAt = new HashMap<>();
        Set<Integer> before = pids();
        long start = System.nanoTime();
        while (System.nanoTime() - start < Duration.ofSeconds(9).toNanos()) {
            Set<Integer> now = pids();
            for (Integer pid : before) {
                if (!now.contains(pid)) {
                    goneAt.put(pid, System.nanoTime());
                }
            }
            before.removeAll(goneAt.keySet());
            before.addAll(now);
            before.removeAll(goneAt.keySet());
            Mono.delay(Duration.ofMillis(20)).block();
        }
        List<Long> times = new ArrayList<>(goneAt.values());
        assertThat(times.size()).as("connections replaced in 9 s (two generations)").isGreaterThanOrEqualTo(12);
        for (long at : times) {
            // a quarter of 8 per second; the window is a little shorter than a second for the polling's own jitter
            long inWindow = times.stream().filter(x -> x >= at && x < at + Duration.ofMillis(900).toNanos()).count();
            assertThat(inWindow).as("replaced within 0.9 s of one another").isLessThanOrEqualTo(2);
        }
        assertThat(lanes.snapshot(Lane.INTERACTIVE).allocated()).isBetween(7, 8);
    }

    @Test
    void aShortIdleTimeIsHonouredWithoutWaitingForA30SecondSweep() {
        Lanes lanes = t.start(t.lane(Lane.INTERACTIVE).maxSize(2).maxIdleTime(Duration.ofSeconds(1)).build());
        assertThat(lanes.config(Lane.INTERACTIVE).evictionInterval()).isEqualTo(Duration.ofMillis(100));
        burst(lanes.database(), 2);
        long idleFrom = System.nanoTime();
        assertThat(Await.until(Duration.ofSeconds(10), () -> pids().isEmpty())).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - idleFrom)).isLessThan(Duration.ofMillis(2_500));
    }
}
