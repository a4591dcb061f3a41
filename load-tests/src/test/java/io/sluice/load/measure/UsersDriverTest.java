package io.sluice.load.measure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class UsersDriverTest {

    @Test
    void thinkTimesAreExponentialWithTheMeanAndCapped() {
        SplittableRandom r = new SplittableRandom(7);
        long mean = 1_000_000_000L;
        double sum = 0;
        long max = 0;
        int n = 200_000;
        for (int i = 0; i < n; i++) {
            long t = UsersDriver.thinkNanos(r, mean);
            sum += t;
            max = Math.max(max, t);
        }
        // the cap at 10x the mean removes e^-10 of the mass: the mean stays within 1%
        assertThat(sum / n / mean).isCloseTo(1.0, within(0.02));
        assertThat(max).isLessThanOrEqualTo(10 * mean);
    }

    @Test
    void everyUserActsAndLatencyIsMeasuredFromTheIntendedTime() throws Exception {
        Fakes.Client client = new Fakes.Client((w, done) -> done.done(null));
        Recording rec = new Recording(NanoClock.SYSTEM);
        Segment seg = rec.begin("m", false);
        UsersDriver d = new UsersDriver(50, 20_000_000L, Fakes.READS, new Dispatch(client, rec, 0), NanoClock.SYSTEM, 3);

        d.start();
        Thread.sleep(500);
        d.stop();

        SeriesStats s = seg.series().iterator().next();
        // 50 users thinking 20 ms on average for 0.5 s: about 1250 actions; allow a slow machine
        assertThat(s.count(Outcome.SUCCESS)).isBetween(300L, 2500L);
    }
}
