package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.Database;
import io.sluice.Lane;
import io.sluice.testing.Await;
import io.sluice.testing.TestLanes;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/** A connection held past the threshold is reported once, naming the caller's own frame, then its release. */
class LeakReportTest {

    private static TestLanes t;

    @BeforeAll
    static void start() {
        t = new TestLanes("leak");
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    @Test
    void reportsAHeldConnectionOnceWithItsCallSiteThenItsRelease() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (Lanes lanes = Lanes.builder(t.pg().server()).meterRegistry(meters).checkBudget(false)
                .lane(t.lane(Lane.BACKGROUND).maxSize(2).leakDetectionThreshold(Duration.ofMillis(300))
                        .evictionInterval(Duration.ofMillis(50)).build())
                .build().start().block()) {
            List<LeakEvent> events = new CopyOnWriteArrayList<>();
            Disposable sub = lanes.leaks().subscribe(events::add);
            Database db = lanes.database();

            Mono<Integer> held = db.withConnection(Lane.BACKGROUND, s -> Mono.delay(Duration.ofMillis(1500)).thenReturn(1));
            held.block(Duration.ofSeconds(30));

            assertThat(Await.until(Duration.ofSeconds(10), () -> events.size() >= 2)).as("events: %s", events).isTrue();
            sub.dispose();
            LeakEvent suspected = events.get(0);
            assertThat(suspected.kind()).isEqualTo(LeakEvent.Kind.SUSPECTED);
            assertThat(suspected.lane()).isEqualTo(Lane.BACKGROUND);
            assertThat(suspected.held()).isGreaterThan(Duration.ofMillis(300));
            assertThat(suspected.threshold()).isEqualTo(Duration.ofMillis(300));
            assertThat(suspected.caller()).isNotNull();
            assertThat(suspected.caller().getClassName()).isEqualTo(LeakReportTest.class.getName());
            assertThat(suspected.caller().getMethodName()).isEqualTo("reportsAHeldConnectionOnceWithItsCallSiteThenItsRelease");
            assertThat(suspected.acquiredAt()).hasSizeLessThanOrEqualTo(20);

            LeakEvent released = events.get(1);
            assertThat(released.kind()).isEqualTo(LeakEvent.Kind.RELEASED);
            assertThat(released.leaseId()).isEqualTo(suspected.leaseId());
            assertThat(released.held()).isGreaterThanOrEqualTo(Duration.ofMillis(1500));
            assertThat(released.caller()).isEqualTo(suspected.caller());
            assertThat(events).hasSize(2);   // once, not on every scan
            assertThat(meters.counter(SluiceMeters.LEAK_SUSPECTS, "lane", "background").count()).isEqualTo(1.0);

            // work within the threshold is never reported
            db.sql(Lane.BACKGROUND, "SELECT 1").rowsUpdated().block(Duration.ofSeconds(10));
            assertThat(events).hasSize(2);
        }
    }
}
