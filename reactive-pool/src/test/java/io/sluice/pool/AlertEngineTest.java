package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.ConfigurationException;
import io.sluice.Lane;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Alert transitions on a driven clock: ticks are fed figures and a time, nothing waits. */
class AlertEngineTest {

    static LaneFigures figures(String lane, int inFlight, int limit, int waiting, String breaker, double server) {
        return new LaneFigures(lane, inFlight, waiting, limit, 40, (double) inFlight / limit, inFlight, 0, inFlight,
                limit, breaker, 1.0, 0, 0, 0, server < 0 ? -1 : (int) (server * 100), server < 0 ? -1 : 100, server);
    }

    static LaneFigures busy(String lane, int inFlight) {
        return figures(lane, inFlight, 10, 0, "CLOSED", -1);
    }

    private static List<AlertEvent> run(AlertEngine engine, long fromSecond, long toSecond, LaneFigures... f) {
        List<AlertEvent> out = new ArrayList<>();
        for (long s = fromSecond; s <= toSecond; s++) {
            out.addAll(engine.evaluate(s * 1000, List.of(f)));
        }
        return out;
    }

    @Test
    void utilisationIsRaisedOnlyOnceItHeldFor30SecondsAndOnlyOnce() {
        AlertEngine engine = new AlertEngine(AlertRule.defaults());
        assertThat(run(engine, 0, 29, busy("a", 8))).as("29 s at 80%").isEmpty();
        List<AlertEvent> raised = run(engine, 30, 120, busy("a", 8));
        assertThat(raised).singleElement().satisfies(e -> {
            assertThat(e.type()).isEqualTo(AlertEvent.Type.RAISED);
            assertThat(e.rule()).isEqualTo(AlertRule.UTILISATION_WARNING);
            assertThat(e.lane()).isEqualTo("a");
            assertThat(e.severity()).isEqualTo(AlertSeverity.WARNING);
            assertThat(e.value()).isEqualTo(0.8);
            assertThat(e.threshold()).isEqualTo(0.8);
            assertThat(e.at().toEpochMilli()).isEqualTo(30_000);
            assertThat(e.message()).contains("lane a").contains("0.800 >= 0.800").contains("for 30 s");
        });
        assertThat(engine.active()).hasSize(1);
    }

    @Test
    void aBreakInTheConditionRestartsTheClock() {
        AlertEngine engine = new AlertEngine(AlertRule.defaults());
        assertThat(run(engine, 0, 20, busy("a", 9))).isEmpty();
        assertThat(run(engine, 21, 21, busy("a", 1))).isEmpty();
        assertThat(run(engine, 22, 51, busy("a", 9))).as("30 s again, not yet: 22..51 is 29 s").isEmpty();
        assertThat(run(engine, 52, 52, busy("a", 9))).extracting(AlertEvent::rule)
                .containsExactlyInAnyOrder(AlertRule.UTILISATION_WARNING, AlertRule.UTILISATION_CRITICAL);
    }

    @Test
    void clearsAtTheFirstTickTheRuleNoLongerHoldsAndThenStaysQuiet() {
        AlertEngine engine = new AlertEngine(AlertRule.defaults());
        run(engine, 0, 40, busy("a", 10));
        List<AlertEvent> cleared = run(engine, 41, 100, busy("a", 2));
        assertThat(cleared).hasSize(2).allSatisfy(e -> {
            assertThat(e.type()).isEqualTo(AlertEvent.Type.CLEARED);
            assertThat(e.at().toEpochMilli()).isEqualTo(41_000);
            assertThat(e.value()).isEqualTo(0.2);
            assertThat(e.message()).contains("cleared").contains("raised 11 s ago");
        });
        assertThat(engine.active()).isEmpty();
    }

    @Test
    void moreThanTenWaitingCallersAndAnOpenBreakerAreRaised() {
        AlertEngine engine = new AlertEngine(AlertRule.defaults());
        assertThat(run(engine, 0, 40, figures("a", 1, 10, 10, "CLOSED", -1))).as("10 waiting is not more than 10").isEmpty();
        assertThat(run(engine, 41, 71, figures("a", 1, 10, 11, "CLOSED", -1))).extracting(AlertEvent::rule)
                .containsExactly(AlertRule.WAITING);
        List<AlertEvent> open = run(engine, 72, 72, figures("a", 1, 10, 0, "OPEN", -1));
        assertThat(open).extracting(AlertEvent::type, AlertEvent::rule, AlertEvent::severity).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple(AlertEvent.Type.CLEARED, AlertRule.WAITING, AlertSeverity.WARNING),
                org.assertj.core.groups.Tuple.tuple(AlertEvent.Type.RAISED, AlertRule.BREAKER_OPEN, AlertSeverity.CRITICAL));
        assertThat(run(engine, 73, 73, figures("a", 1, 10, 0, "HALF_OPEN", -1))).extracting(AlertEvent::type)
                .containsExactly(AlertEvent.Type.CLEARED);
    }

    @Test
    void aServerWideRuleFiresOncePerTickWithNoLaneNotOncePerLane() {
        AlertEngine engine = new AlertEngine(AlertRule.defaults());
        List<AlertEvent> events = run(engine, 0, 30, figures("a", 0, 10, 0, "CLOSED", 0.85), figures("b", 0, 10, 0, "CLOSED", 0.85));
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.rule()).isEqualTo(AlertRule.SERVER_CONNECTIONS);
            assertThat(e.lane()).isNull();
            assertThat(e.message()).contains("the server");
        });
        assertThat(run(engine, 31, 40, figures("a", 0, 10, 0, "CLOSED", -1), figures("b", 0, 10, 0, "CLOSED", -1)))
                .as("unknown (-1) after the probe failed: below the threshold, cleared").extracting(AlertEvent::type)
                .containsExactly(AlertEvent.Type.CLEARED);
    }

    @Test
    void aUserRuleOverTheFiguresWithItsOwnDurationAndSeverity() {
        AlertRule rule = AlertRule.above("orders.p95", AlertSeverity.CRITICAL, LaneFigures::waitP95Millis, 250)
                .sustainedFor(Duration.ofSeconds(5));
        AlertEngine engine = new AlertEngine(List.of(rule));
        LaneFigures slow = new LaneFigures("orders", 1, 0, 10, 40, 0.1, 1, 0, 1, 10, "CLOSED", 1, 300, 0, 0, -1, -1, -1);
        assertThat(run(engine, 0, 4, slow)).isEmpty();
        assertThat(run(engine, 5, 60, slow)).singleElement().satisfies(e -> {
            assertThat(e.rule()).isEqualTo("orders.p95");
            assertThat(e.severity()).isEqualTo(AlertSeverity.CRITICAL);
            assertThat(e.value()).isEqualTo(300);
            assertThat(e.message()).contains("300 > 250 for 5.0 s");
        });
    }

    @Test
    void aRuleThatThrowsCountsAsNotHoldingAndDoesNotStopTheOthers() {
        AlertRule broken = AlertRule.atLeast("broken", AlertSeverity.WARNING, f -> {
            throw new IllegalStateException("bug in a rule");
        }, 1);
        AlertEngine engine = new AlertEngine(List.of(broken, AlertRule.defaults().get(6)));
        assertThat(run(engine, 0, 0, figures("a", 0, 10, 0, "OPEN", -1))).extracting(AlertEvent::rule)
                .containsExactly(AlertRule.BREAKER_OPEN);
    }

    @Test
    void eventsComeOutOnTheHotFluxOnePerTransition() {
        AlertEngine engine = new AlertEngine(AlertRule.defaults());
        List<AlertEvent> seen = new ArrayList<>();
        engine.events().subscribe(seen::add);
        run(engine, 0, 100, busy("a", 10));
        run(engine, 101, 200, busy("a", 0));
        assertThat(seen).extracting(AlertEvent::type).containsExactly(AlertEvent.Type.RAISED, AlertEvent.Type.RAISED,
                AlertEvent.Type.CLEARED, AlertEvent.Type.CLEARED);
    }

    @Test
    void rulesAreValidatedWhenTheLanesAreBuilt() {
        assertThatThrownBy(() -> Lanes.builder(ServerConfig.builder().build()).lane(Lane.INTERACTIVE)
                .alert(AlertRule.atLeast(AlertRule.WAITING, AlertSeverity.WARNING, LaneFigures::waiting, 1)).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("two alert rules are named 'lane.waiting'");
        assertThatThrownBy(() -> AlertRule.atLeast("x", AlertSeverity.WARNING, LaneFigures::waiting, 1)
                .sustainedFor(Duration.ofSeconds(-1))).isInstanceOf(ConfigurationException.class).hasMessageContaining("sustainedFor");
        assertThatThrownBy(() -> HealthPolicy.defaults().withLaneUtilisation(1.5))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("laneUtilisation").hasMessageContaining("1.5");
        assertThatThrownBy(() -> Lanes.builder(ServerConfig.builder().build()).healthProbeInterval(Duration.ZERO))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("healthProbeInterval");
    }

    @Test
    void theWaitRingReportsTheP95OfRecentWaitsOnly() {
        WaitRing ring = new WaitRing();
        assertThat(ring.quantile(0.95, 0, 1000)).isZero();
        for (int i = 1; i <= 100; i++) {
            ring.record(1_000, i);
        }
        assertThat(ring.quantile(0.95, 1_000, 1_000)).isEqualTo(95);
        assertThat(ring.quantile(0.95, 5_000, 1_000)).as("all older than the window").isZero();
        for (int i = 0; i < 1000; i++) {
            ring.record(2_000, 7);
        }
        assertThat(ring.quantile(0.95, 2_000, 10_000)).as("only the last 256 kept").isEqualTo(7);
    }
}
