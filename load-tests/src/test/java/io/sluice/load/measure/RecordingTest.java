package io.sluice.load.measure;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.load.report.Model.TimelinePoint;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecordingTest {

    @Test
    void countsWorkInTheSegmentItWasMeantToStartIn() {
        Fakes.Clock clock = new Fakes.Clock();
        Fakes.Pending pending = Fakes.Client.pending();
        Recording rec = new Recording(clock);
        Dispatch dispatch = new Dispatch(pending.client, rec, 0);
        Segment warmup = rec.begin("load-warmup", true);
        dispatch.submit(Fakes.READ, clock.nanoTime(), null);
        clock.advanceMillis(5);
        Segment measured = rec.begin("load", false);
        clock.advanceMillis(7);
        pending.completeOne(null);

        assertThat(warmup.series().iterator().next().count(Outcome.SUCCESS)).isEqualTo(1);
        assertThat(warmup.series().iterator().next().histogram(Outcome.SUCCESS).getMaxValue()).isBetween(11_990L, 12_010L);
        assertThat(measured.series()).isEmpty();
    }

    @Test
    void aSealedSegmentCountsWorkStillRunningAsUnfinishedAndIgnoresItsLateEnd() {
        Fakes.Clock clock = new Fakes.Clock();
        Fakes.Pending pending = Fakes.Client.pending();
        Recording rec = new Recording(clock);
        Dispatch dispatch = new Dispatch(pending.client, rec, 0);
        Segment seg = rec.begin("load", false);
        dispatch.submit(Fakes.READ, clock.nanoTime(), null);
        dispatch.submit(Fakes.READ, clock.nanoTime(), null);
        pending.completeOne(null);

        seg.seal();
        pending.completeOne(new IllegalStateException("too late"));

        SeriesStats s = seg.series().iterator().next();
        assertThat(s.unfinished()).isEqualTo(1);
        assertThat(s.count(Outcome.SUCCESS)).isEqualTo(1);
        assertThat(s.count(Outcome.ERROR)).isZero();
        assertThat(dispatch.inFlight()).isZero();
    }

    @Test
    void keepsLatencyPerOutcomeSoFastFailuresDoNotFlatterSuccesses() {
        Fakes.Clock clock = new Fakes.Clock();
        boolean[] fail = {false};
        Fakes.Client client = new Fakes.Client((w, done) -> {
            clock.advanceMillis(fail[0] ? 0 : 10);
            done.done(fail[0] ? new reactor.pool.PoolAcquirePendingLimitException(5) : null);
        });
        Recording rec = new Recording(clock);
        Dispatch dispatch = new Dispatch(client, rec, 0);
        Segment seg = rec.begin("load", false);
        for (int i = 0; i < 10; i++) {
            fail[0] = i % 2 == 0;
            dispatch.submit(Fakes.READ, clock.nanoTime(), null);
        }

        SeriesStats s = seg.series().iterator().next();
        assertThat(s.count(Outcome.SUCCESS)).isEqualTo(5);
        assertThat(s.count(Outcome.REJECTED)).isEqualTo(5);
        assertThat(s.histogram(Outcome.SUCCESS).getMinValue()).isGreaterThanOrEqualTo(9_990L);
        assertThat(s.histogram(Outcome.REJECTED).getMaxValue()).isLessThanOrEqualTo(1L);
    }

    @Test
    void retriesTransientFailuresFromTheSameIntendedStartAndCountsThem() {
        Fakes.Clock clock = new Fakes.Clock();
        int[] calls = {0};
        Fakes.Client client = new Fakes.Client((w, done) -> {
            clock.advanceMillis(3);
            done.done(calls[0]++ < 2 ? new java.sql.SQLException("lost", "08006") : null);
        });
        Recording rec = new Recording(clock);
        Segment seg = rec.begin("load", false);
        new Dispatch(client, rec, 3).submit(Fakes.READ, clock.nanoTime(), null);

        SeriesStats s = seg.series().iterator().next();
        assertThat(s.retries()).isEqualTo(2);
        assertThat(s.count(Outcome.SUCCESS)).isEqualTo(1);
        assertThat(s.histogram(Outcome.SUCCESS).getMaxValue()).isBetween(8_990L, 9_010L);
    }

    @Test
    void eachTickGivesEverySeriesItsRateAndPercentiles() {
        Fakes.Clock clock = new Fakes.Clock();
        Fakes.Client client = new Fakes.Client((w, done) -> {
            clock.advanceMillis(2);
            done.done(null);
        });
        Recording rec = new Recording(clock);
        Dispatch dispatch = new Dispatch(client, rec, 0);
        rec.begin("load", false);
        long start = clock.nanoTime();
        for (int i = 0; i < 100; i++) {
            dispatch.submit(Fakes.READ, clock.nanoTime(), null);
        }
        clock.now = start + 1_000_000_000L;
        List<TimelinePoint> points = rec.tick(clock.nanoTime());

        assertThat(points).hasSize(1);
        TimelinePoint p = points.get(0);
        assertThat(p.segment()).isEqualTo("load");
        assertThat(p.series()).isEqualTo("read");
        assertThat(p.successes()).isEqualTo(100);
        assertThat(p.rate()).isEqualTo(100.0);
        assertThat(p.p99()).isEqualTo(2.0);
        assertThat(rec.tick(clock.nanoTime() + 1).get(0).successes()).isZero();
    }

    @Test
    void theTimelineCoversTheWarmUpSoTheTimeToWarmUpCanBeReadFromIt() {
        Fakes.Clock clock = new Fakes.Clock();
        long[] millisPerOp = {10};
        Fakes.Client client = new Fakes.Client((w, done) -> {
            clock.advanceMillis(millisPerOp[0]);
            done.done(null);
        });
        Recording rec = new Recording(clock);
        Dispatch dispatch = new Dispatch(client, rec, 0);
        clock.advanceMillis(500); // the client starts: no load yet, no timeline point
        assertThat(rec.tick(clock.nanoTime())).isEmpty();
        Segment warmup = rec.begin("load-warmup", true);
        // the warm-up gets faster each second: 100/s, 500/s, 950/s; then 1000/s measured
        for (long ms : new long[]{10, 2}) {
            millisPerOp[0] = ms;
            for (int i = 0; i < 1000 / ms; i++) {
                dispatch.submit(Fakes.READ, clock.nanoTime(), null);
            }
            rec.tick(clock.nanoTime());
        }
        millisPerOp[0] = 1;
        for (int i = 0; i < 950; i++) {
            dispatch.submit(Fakes.READ, clock.nanoTime(), null);
        }
        clock.advanceMillis(50);
        rec.tick(clock.nanoTime());
        rec.begin("load", false);
        for (int s = 0; s < 2; s++) {
            for (int i = 0; i < 1000; i++) {
                dispatch.submit(Fakes.READ, clock.nanoTime(), null);
            }
            rec.tick(clock.nanoTime());
        }

        List<TimelinePoint> timeline = rec.timeline();
        assertThat(timeline).extracting(TimelinePoint::segment)
                .containsExactly("load-warmup", "load-warmup", "load-warmup", "load", "load");
        assertThat(timeline).extracting(TimelinePoint::rate).containsExactly(100.0, 500.0, 950.0, 1000.0, 1000.0);
        // 950/s is 90% of the steady 1000/s: reached at the end of the warm-up's third second
        assertThat(SteadyState.warmupSeconds(timeline, rec.seconds(warmup.startNanos()), 1000.0)).isEqualTo(3.0);
    }
}
