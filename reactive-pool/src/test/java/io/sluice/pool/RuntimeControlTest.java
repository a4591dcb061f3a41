package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.ConfigurationException;
import io.sluice.Database;
import io.sluice.Lane;
import io.sluice.LaneDrainingException;
import io.sluice.RowMapper;
import io.sluice.UnknownLaneException;
import io.sluice.testing.Await;
import io.sluice.testing.TestLanes;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Resize, drain/resume and refresh of a running lane under load: no unit of work fails. */
class RuntimeControlTest {

    private static final Lane LANE = Lane.INTERACTIVE;
    private static TestLanes t;

    @BeforeAll
    static void start() {
        t = new TestLanes("control");
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    /** Units of work one after another on {@code concurrency} streams until disposed; failures collected. */
    private static Disposable load(Database db, int concurrency, List<Throwable> failures, AtomicInteger done) {
        return Flux.range(0, Integer.MAX_VALUE)
                .flatMap(i -> db.sql(LANE, "SELECT pg_sleep(0.01)").rowsUpdated()
                        .doOnSuccess(x -> done.incrementAndGet())
                        .onErrorResume(e -> {
                            failures.add(e);
                            // a rejected unit fails at once, on the caller's thread: pause before the next
                            // one, or a drained lane would turn this loop into a busy spin on that thread
                            return Mono.delay(Duration.ofMillis(5)).then(Mono.empty());
                        }), concurrency)
                .subscribe();
    }

    private static Set<Integer> serverPids() {
        return new HashSet<>(t.pg().query("SELECT pid FROM pg_stat_activity WHERE application_name = '"
                + t.appName(LANE) + "'", r -> r.get(0, Integer.class)));
    }

    @Test
    void resizesARunningLaneWithoutFailingItsWork() {
        Lanes lanes = t.start(t.lane(LANE).maxSize(2).acquireTimeout(Duration.ofSeconds(20))
                .evictionInterval(Duration.ofMillis(100)).build());
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        AtomicInteger done = new AtomicInteger();
        Disposable load = load(lanes.database(), 5, failures, done);
        try {
            assertThat(Await.until(Duration.ofSeconds(20), () -> done.get() > 20)).isTrue();
            lanes.resize(LANE, LaneResize.maxSize(4)).block(Duration.ofSeconds(20));
            assertThat(lanes.snapshot(LANE).maxSize()).isEqualTo(4);
            assertThat(lanes.admission(LANE).limit()).as("the limit followed maxSize").isEqualTo(4);
            assertThat(Await.until(Duration.ofSeconds(20), () -> lanes.snapshot(LANE).allocated() == 4)).isTrue();

            lanes.resize(LANE, LaneResize.maxSize(1)).block(Duration.ofSeconds(20));
            assertThat(lanes.admission(LANE).limit()).isEqualTo(1);
            assertThat(Await.until(Duration.ofSeconds(20), () -> lanes.snapshot(LANE).allocated() <= 1
                    && serverPids().size() <= 1)).as("surplus closed: %s", lanes.snapshot(LANE)).isTrue();
            int before = done.get();
            assertThat(Await.until(Duration.ofSeconds(20), () -> done.get() > before + 20)).isTrue();

            lanes.resize(LANE, LaneResize.sizes().maxQueue(16)).block(Duration.ofSeconds(20));
            assertThat(lanes.admission(LANE).maxQueue()).isEqualTo(16);
        } finally {
            load.dispose();
        }
        assertThat(failures).isEmpty();

        assertThatThrownBy(() -> lanes.resize(LANE, LaneResize.maxSize(100_000)).block(Duration.ofSeconds(20)))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("max_connections")
                .hasMessageContaining("cannot resize lane 'interactive' to maxSize 100000");
        assertThat(lanes.snapshot(LANE).maxSize()).as("unchanged").isEqualTo(1);
        assertThatThrownBy(() -> lanes.resize(Lane.ADMIN, LaneResize.maxSize(2))).isInstanceOf(UnknownLaneException.class);
        assertThatThrownBy(() -> LaneResize.maxSize(0)).isInstanceOf(ConfigurationException.class).hasMessageContaining("maxSize");
    }

    @Test
    void drainsALaneWhileOthersServeThenResumes() {
        Lanes lanes = t.start(t.lane(LANE).maxSize(2).acquireTimeout(Duration.ofSeconds(20)).build(),
                t.lane(Lane.BACKGROUND).maxSize(1).build());
        Database db = lanes.database();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        AtomicInteger done = new AtomicInteger();
        Disposable load = load(db, 4, failures, done);
        Mono<Integer> inFlight = db.sql(LANE, "SELECT 7 FROM pg_sleep(1)").map(RowMapper.column(Integer.class)).one().cache();
        try {
            assertThat(Await.until(Duration.ofSeconds(20), () -> done.get() > 10)).isTrue();
            inFlight.subscribe();
            // running on the server, not still queued behind the load (a drain rejects what waits)
            assertThat(Await.until(Duration.ofSeconds(20), () -> !t.pg().query("SELECT 1 FROM pg_stat_activity WHERE state = 'active' "
                    + "AND query = 'SELECT 7 FROM pg_sleep(1)'", r -> r.get(0, Integer.class)).isEmpty())).isTrue();
            Mono<Void> drained = lanes.drain(LANE);
            assertThat(lanes.isDraining(LANE)).isTrue();
            assertThatThrownBy(() -> db.sql(LANE, "SELECT 1").rowsUpdated().block(Duration.ofSeconds(10)))
                    .isInstanceOf(LaneDrainingException.class).hasMessageContaining("draining");
            assertThat(db.sql(Lane.BACKGROUND, "SELECT 1").rowsUpdated().block(Duration.ofSeconds(10))).as("other lanes serve").isNotNull();
            drained.block(Duration.ofSeconds(20));
            assertThat(lanes.admission(LANE).inFlight()).isZero();
            assertThat(inFlight.block(Duration.ofSeconds(10))).as("in-flight work finished").isEqualTo(7);

            lanes.resume(LANE);
            assertThat(lanes.isDraining(LANE)).isFalse();
            int before = done.get();
            assertThat(Await.until(Duration.ofSeconds(20), () -> done.get() > before + 10)).isTrue();
        } finally {
            load.dispose();
        }
        // the only failures are the drain's own rejections, of new and queued work
        assertThat(failures).isNotEmpty().allMatch(e -> e instanceof LaneDrainingException);
    }

    @Test
    void refreshReplacesEveryConnectionUsingThePasswordSupplier() {
        AtomicInteger asked = new AtomicInteger();
        String password = t.pg().server().password();
        ServerConfig server = t.pg().serverBuilder().passwordSupplier(() -> {
            asked.incrementAndGet();
            return password;
        }).build();
        Lanes lanes = Lanes.builder(server).checkBudget(false)
                .lane(t.lane(LANE).maxSize(3).minIdle(2).acquireTimeout(Duration.ofSeconds(20)).build())
                .build().start().block();
        try {
            Database db = lanes.database();
            List<Throwable> failures = new CopyOnWriteArrayList<>();
            AtomicInteger done = new AtomicInteger();
            Disposable load = load(db, 2, failures, done);
            try {
                assertThat(Await.until(Duration.ofSeconds(20), () -> done.get() > 10 && serverPids().size() >= 2)).isTrue();
                Set<Integer> old = serverPids();
                int askedBefore = asked.get();
                lanes.refresh(LANE).block(Duration.ofSeconds(30));
                Set<Integer> now = serverPids();
                assertThat(now).as("old %s, now %s", old, now).doesNotContainAnyElementsOf(old);
                int before = done.get();
                assertThat(Await.until(Duration.ofSeconds(20), () -> done.get() > before + 10)).isTrue();
                assertThat(Await.until(Duration.ofSeconds(20), () -> serverPids().size() >= 2)).as("back to minIdle").isTrue();
                assertThat(serverPids()).doesNotContainAnyElementsOf(old);
                assertThat(asked.get()).as("the supplier was asked for each new connection").isGreaterThan(askedBefore);
            } finally {
                load.dispose();
            }
            assertThat(failures).isEmpty();
        } finally {
            lanes.close();
        }
        assertThat(server.toString()).contains("password=<supplied>");
    }
}
