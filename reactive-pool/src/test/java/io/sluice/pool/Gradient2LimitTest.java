package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Gradient2 fed samples directly: no gate, no clock, no randomness that is not seeded. */
class Gradient2LimitTest {

    private static final long RTT = 10_000_000L; // 10 ms

    /** Feeds {@code n} samples of latency {@code rtt} with the lane fully used (in flight = the limit). */
    private static void busy(Gradient2Limit limit, int n, long rtt) {
        for (int i = 0; i < n; i++) {
            limit.onSample(rtt, limit.limit(), false);
        }
    }

    @Test
    void climbsToItsMaximumWhileLatencyIsSteadyAndTheLaneIsFullyUsed() {
        Gradient2Limit limit = new Gradient2Limit(10, 5, 50);
        int previous = limit.limit();
        for (int i = 0; i < 300; i++) {
            limit.onSample(RTT, limit.limit(), false);
            assertThat(limit.limit()).isGreaterThanOrEqualTo(previous);
            previous = limit.limit();
        }
        assertThat(limit.limit()).isEqualTo(50);
    }

    @ParameterizedTest(name = "latency x{0}")
    @ValueSource(ints = {2, 3})
    void fallsWhenLatencyRisesAboveItsBaseline(int slowdown) {
        Gradient2Limit limit = new Gradient2Limit(50, 5, 50);
        busy(limit, 300, RTT);

        busy(limit, 20, slowdown * RTT);

        assertThat(limit.limit()).isLessThan(slowdown == 2 ? 45 : 25).isGreaterThanOrEqualTo(5);
    }

    @Test
    void fallsNoLowerThanItsMinimum() {
        Gradient2Limit limit = new Gradient2Limit(50, 20, 50);
        busy(limit, 300, RTT);
        for (int i = 0; i < 60; i++) {
            limit.onSample(3 * RTT, limit.limit(), false);
            assertThat(limit.limit()).isGreaterThanOrEqualTo(20);
        }
        assertThat(limit.limit()).isEqualTo(20);
    }

    @Test
    void climbsBackWhenLatencyRecovers() {
        Gradient2Limit limit = new Gradient2Limit(50, 5, 50);
        busy(limit, 300, RTT);
        busy(limit, 40, 3 * RTT);
        assertThat(limit.limit()).isLessThan(15);

        busy(limit, 200, RTT);

        assertThat(limit.limit()).isEqualTo(50);
    }

    @Test
    void pullsItsBaselineDownQuicklyOnceLatencyIsBackToNormal() {
        Gradient2Limit limit = new Gradient2Limit(50, 5, 50);
        busy(limit, 1_000, 10 * RTT);
        assertThat(limit.longRttNanos()).isCloseTo(10.0 * RTT, within(0.01 * RTT));

        busy(limit, 20, RTT);

        // the exponential average alone would still be above 9 x RTT after 20 samples; 5% a sample brings it near 3 x
        assertThat(limit.longRttNanos()).isLessThan(4.0 * RTT);
    }

    @ParameterizedTest(name = "from {0}")
    @ValueSource(ints = {50, 20, 10, 3, 2})
    void shrinksOnSamplesOfWorkDroppedForOverload(int start) {
        Gradient2Limit limit = new Gradient2Limit(start, 1, 50);

        for (int i = 0; i < 30; i++) {
            int was = limit.limit();
            limit.onSample(RTT, 1, true); // dropped counts even when the lane is barely used
            assertThat(limit.limit()).isLessThanOrEqualTo(was);
        }

        assertThat(limit.limit()).isLessThan(start).isGreaterThanOrEqualTo(1);
    }

    @Test
    void neitherGrowsNorShrinksWhileLessThanHalfTheLimitIsInUse() {
        Gradient2Limit limit = new Gradient2Limit(20, 5, 100);
        for (int i = 0; i < 300; i++) {
            limit.onSample(RTT, 9, false);
        }
        assertThat(limit.limit()).isEqualTo(20);

        for (int i = 0; i < 50; i++) {
            limit.onSample(3 * RTT, 9, false); // slow, but the lane is not the bottleneck
        }
        assertThat(limit.limit()).isEqualTo(20);
    }

    @ParameterizedTest(name = "initial {0} in [5, 50] -> {1}")
    @CsvSource({"1, 5", "5, 5", "30, 30", "50, 50", "500, 50"})
    void startsInsideItsBounds(int initial, int expected) {
        assertThat(new Gradient2Limit(initial, 5, 50).limit()).isEqualTo(expected);
    }

    @Test
    void staysWithinItsBoundsWhateverTheSamples() {
        Random random = new Random(42);
        long[] rtts = {0, 1, RTT, 100 * RTT, Long.MAX_VALUE / 4, Long.MAX_VALUE};
        Gradient2Limit limit = new Gradient2Limit(8, 3, 40);
        for (int i = 0; i < 20_000; i++) {
            long rtt = random.nextInt(4) == 0 ? rtts[random.nextInt(rtts.length)] : (long) (RTT * (0.2 + 5 * random.nextDouble()));
            int inFlight = random.nextInt(3) == 0 ? random.nextInt(200) : limit.limit();
            limit.onSample(rtt, inFlight, random.nextInt(10) == 0);
            assertThat(limit.limit()).isBetween(3, 40);
        }
    }

    @Test
    void followsTheFormulaInItsClassComment() {
        int min = 2;
        int max = 60;
        double tolerance = 1.5;
        double smoothing = 0.2;
        int longWindow = 100;
        Gradient2Limit limit = new Gradient2Limit(10, min, max, tolerance, smoothing, longWindow);
        Random random = new Random(7);
        double expected = 10;
        double longRtt = -1;
        for (int i = 0; i < 2_000; i++) {
            long rtt = (long) (RTT * (0.5 + 3 * random.nextDouble()));
            int inFlight = random.nextInt(4) == 0 ? (int) expected / 3 : (int) expected;
            boolean dropped = random.nextInt(20) == 0;

            limit.onSample(rtt, inFlight, dropped);

            double shortRtt = rtt;
            longRtt = longRtt < 0 ? shortRtt : longRtt * (1 - 2.0 / (longWindow + 1)) + shortRtt * 2.0 / (longWindow + 1);
            if (longRtt > 2 * shortRtt) {
                longRtt *= 0.95;
            }
            if (dropped || inFlight >= expected / 2) {
                double gradient = dropped ? 0.5 : Math.max(0.5, Math.min(1.0, tolerance * longRtt / shortRtt));
                double queue = dropped ? 0 : Math.sqrt(expected);
                double newLimit = expected * gradient + queue;
                expected = Math.max(min, Math.min(max, expected * (1 - smoothing) + newLimit * smoothing));
            }
            assertThat(limit.longRttNanos()).isCloseTo(longRtt, within(1e-6 * longRtt));
            assertThat(limit.limit()).as("sample %d", i).isEqualTo((int) expected);
        }
    }
}
