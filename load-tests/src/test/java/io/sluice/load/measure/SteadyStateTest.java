package io.sluice.load.measure;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.load.report.Model.Steadiness;
import io.sluice.load.report.Model.TimelinePoint;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SteadyStateTest {

    private static List<TimelinePoint> points(double... values) {
        List<TimelinePoint> out = new ArrayList<>();
        // the first point straddles the segment start and is ignored
        out.add(new TimelinePoint(0, "load", "s", 1, 0, 1, 100.0, 100.0, 100.0, 100.0));
        for (int i = 0; i < values.length; i++) {
            out.add(new TimelinePoint(i + 1, "load", "s", (long) values[i], 0, values[i], values[i], values[i], values[i], values[i]));
        }
        return out;
    }

    @Test
    void aClosedLoopRateStillClimbingIsFlagged() {
        Steadiness s = SteadyState.judge(points(1000, 1100, 1200, 1300, 1400, 1500, 1600, 1700, 1800), true);
        assertThat(s.steady()).isFalse();
        assertThat(s.metric()).isEqualTo("throughput");
        assertThat(s.changePct()).isEqualTo(54.5);
        assertThat(s.note()).contains("still climbing").contains("--warmup");
    }

    @Test
    void aFlatRateIsSteady() {
        Steadiness s = SteadyState.judge(points(1000, 1010, 990, 1005, 1002, 998, 1003, 997, 1001), true);
        assertThat(s.steady()).isTrue();
        assertThat(s.note()).isEqualTo("steady");
    }

    @Test
    void openLoopLatencyStillFallingIsFlagged() {
        Steadiness s = SteadyState.judge(points(9, 8, 7, 5, 4, 3, 2, 2, 2), false);
        assertThat(s.steady()).isFalse();
        assertThat(s.metric()).isEqualTo("p50");
        assertThat(s.note()).contains("still falling");
    }

    @Test
    void tooFewSamplesAreNotJudged() {
        Steadiness s = SteadyState.judge(points(1, 2, 3), true);
        assertThat(s.steady()).isTrue();
        assertThat(s.note()).contains("too few samples");
    }

    @Test
    void theWarmUpLastsUntilTheRateFirstReachesNinetyPercentOfTheSteadyRate() {
        List<TimelinePoint> points = new ArrayList<>();
        double[] rates = {500, 100, 500, 850, 950, 800, 1000, 1000};
        for (int i = 0; i < rates.length; i++) {
            // the first point ends before the load started (another phase's); it does not count
            points.add(new TimelinePoint(9.5 + i, i < 5 ? "load-warmup" : "load", "s", (long) rates[i], 0, rates[i], 1.0, 1.0, 1.0, 1.0));
        }
        assertThat(SteadyState.warmupSeconds(points, 10.0, 1000)).isEqualTo(3.5);
        assertThat(SteadyState.warmupSeconds(points, 10.0, 400)).isEqualTo(1.5);
        assertThat(SteadyState.warmupSeconds(points, 10.0, 2000)).as("never reached").isNull();
        assertThat(SteadyState.warmupSeconds(points, 10.0, 0)).as("nothing measured").isNull();
        assertThat(SteadyState.warmupSeconds(List.of(), 0, 1000)).isNull();
    }
}
