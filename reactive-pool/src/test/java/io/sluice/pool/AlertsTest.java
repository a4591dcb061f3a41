package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.Database;
import io.sluice.Lane;
import io.sluice.RowMapper;
import io.sluice.testing.Await;
import io.sluice.testing.TestLanes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * Alerts over real lanes, on virtual time: the lanes' scheduler is a {@link VirtualTimeScheduler}, so the
 * monitor ticks only when the test moves the clock, and "sustained for 30 s" takes no wall time.
 */
class AlertsTest {

    private static final Lane LANE = Lane.INTERACTIVE;
    private final VirtualTimeScheduler clock = VirtualTimeScheduler.create();
    private final List<AlertEvent> events = new CopyOnWriteArrayList<>();
    private final List<Disposable> work = new ArrayList<>();
    private TestLanes t;
    private Lanes lanes;
    private Database db;

    @BeforeEach
    void start() {
        t = new TestLanes("alerts");
        CircuitBreakerConfig breaker = CircuitBreakerConfig.custom().build();
        AlertRule inFlight = AlertRule.atLeast("my.in-flight", AlertSeverity.WARNING, LaneFigures::inFlight, 1)
                .sustainedFor(Duration.ofSeconds(5));
        // the defaults but the p95 wait: waits are measured on the wall clock, and the waiters here really wait
        AlertRule[] rules = AlertRule.defaults().stream().filter(r -> !r.name().equals(AlertRule.WAIT_P95)).toArray(AlertRule[]::new);
        lanes = Lanes.builder(t.pg().server()).checkBudget(false).meterRegistry(new SimpleMeterRegistry()).scheduler(clock)
                .healthProbeInterval(Duration.ofHours(1)).alerts(rules).alert(inFlight)
                .lane(t.lane(LANE).maxSize(2).maxPendingAcquires(20).acquireTimeout(Duration.ofHours(1))
                        .circuitBreaker(breaker).build())
                .build().start().block();
        db = lanes.database();
        lanes.alerts().subscribe(events::add);
    }

    @AfterEach
    void stop() {
        work.forEach(Disposable::dispose);
        CompletableFuture<Void> closed = lanes.closeGracefully(Duration.ofSeconds(1)).toFuture();
        assertThat(Await.until(Duration.ofSeconds(20), () -> {
            clock.advanceTimeBy(Duration.ofMillis(100));
            return closed.isDone();
        })).isTrue();
        clock.dispose();
        t.close();
    }

    private void advance(int seconds) {
        clock.advanceTimeBy(Duration.ofSeconds(seconds));
    }

    private List<Object> transitions() {
        List<Object> out = new ArrayList<>();
        events.forEach(e -> out.add(tuple(e.type(), e.rule())));
        return out;
    }

    @Test
    void utilisationAndWaitingCallersSustainedFor30SecondsAreRaisedOnceAndClearedOnce() {
        work.add(db.withConnection(LANE, s -> Mono.never()).subscribe());
        work.add(db.withConnection(LANE, s -> Mono.never()).subscribe());
        List<Disposable> waiting = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            waiting.add(db.sql(LANE, "SELECT 1").map(RowMapper.column(Integer.class)).one().subscribe(x -> { }, e -> { }));
        }
        assertThat(Await.until(Duration.ofSeconds(20), () -> lanes.admission(LANE).inFlight() == 2
                && lanes.admission(LANE).queued() == 11)).isTrue();

        // the first tick (at 1 s) sees it: 5 s later, at 6 s, the user's rule is raised; 30 s later, at 31 s, the defaults
        advance(5);
        assertThat(events).as("nothing sustained yet").isEmpty();
        advance(1);
        assertThat(transitions()).containsExactly(tuple(AlertEvent.Type.RAISED, "my.in-flight"));
        advance(24);
        assertThat(events).as("held for 29 s").hasSize(1);
        advance(1);
        assertThat(transitions()).containsExactlyInAnyOrder(tuple(AlertEvent.Type.RAISED, "my.in-flight"),
                tuple(AlertEvent.Type.RAISED, AlertRule.UTILISATION_WARNING),
                tuple(AlertEvent.Type.RAISED, AlertRule.UTILISATION_CRITICAL),
                tuple(AlertEvent.Type.RAISED, AlertRule.WAITING));
        assertThat(lanes.currentHealth().activeAlerts()).hasSize(4);
        assertThat(lanes.currentHealth().status()).as("saturated for 30 s").isEqualTo(HealthStatus.DEGRADED);
        advance(120);
        assertThat(events).as("no repeat while the state stays").hasSize(4);

        // the holders let go: the waiters run (on the real server) and the lane goes quiet
        work.forEach(Disposable::dispose);
        work.clear();
        assertThat(Await.until(Duration.ofSeconds(20), () -> lanes.admission(LANE).inFlight() == 0
                && lanes.admission(LANE).queued() == 0)).isTrue();
        advance(1);
        assertThat(events.subList(4, events.size())).extracting(AlertEvent::type).hasSize(4).containsOnly(AlertEvent.Type.CLEARED);
        assertThat(lanes.activeAlerts()).isEmpty();
        assertThat(lanes.currentHealth().status()).isEqualTo(HealthStatus.UP);
        advance(60);
        assertThat(events).hasSize(8);
    }

    @Test
    void anOpenBreakerIsRaisedAtTheNextTickAndClearedWhenItCloses() {
        lanes.lane(LANE).breaker().transitionToOpenState();
        advance(1);
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.type()).isEqualTo(AlertEvent.Type.RAISED);
            assertThat(e.rule()).isEqualTo(AlertRule.BREAKER_OPEN);
            assertThat(e.lane()).isEqualTo("interactive");
            assertThat(e.severity()).isEqualTo(AlertSeverity.CRITICAL);
            assertThat(e.at().toEpochMilli()).isEqualTo(1_000);
        });
        assertThat(lanes.currentHealth().status()).isEqualTo(HealthStatus.DOWN);
        advance(30);
        assertThat(events).hasSize(1);
        lanes.lane(LANE).breaker().transitionToHalfOpenState();
        assertThat(lanes.currentHealth().status()).isEqualTo(HealthStatus.DEGRADED);
        advance(1);
        assertThat(transitions()).containsExactly(tuple(AlertEvent.Type.RAISED, AlertRule.BREAKER_OPEN),
                tuple(AlertEvent.Type.CLEARED, AlertRule.BREAKER_OPEN));
    }

    @Test
    void theStatsLineSaysWhatTheLaneDoes() {
        lanes.lane(LANE).gate().rejected.add(3);
        StatsLog log = new StatsLog();
        String first = log.line(lanes.lane(LANE).gate(), lanes.figures(LANE));
        assertThat(first).isEqualTo("[lane interactive] in flight 0 (limit 2), waiting 0 (max 20), connections used 0 idle 0 "
                + "of max 2, p95 wait 0.0 ms, rejections 3 and timeouts 0 since last line, breaker CLOSED");
        lanes.lane(LANE).gate().rejected.add(2);
        assertThat(log.line(lanes.lane(LANE).gate(), lanes.figures(LANE))).contains("rejections 2 and timeouts 0 since last line");
    }
}
