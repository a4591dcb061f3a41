package io.sluice.load.measure;

import static org.assertj.core.api.Assertions.assertThat;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class OpenLoopDriverTest {

    @Test
    void measuresLatencyFromTheIntendedSendTimeWhenTheClientStalls() {
        Fakes.Clock clock = new Fakes.Clock();
        int[] calls = {0};
        // the first call stalls the sender for 100 ms, later ones take 1 ms; all complete synchronously
        Fakes.Client client = new Fakes.Client((w, done) -> {
            clock.advanceMillis(calls[0]++ == 0 ? 100 : 1);
            done.done(null);
        });
        Recording rec = new Recording(clock);
        Segment seg = rec.begin("m", false);
        OpenLoopDriver d = new OpenLoopDriver("t", 100, Fakes.READS, new Dispatch(client, rec, 0), clock, 1000, 1);

        d.runArrivals(20);

        Histogram h = seg.series().iterator().next().histogram(Outcome.SUCCESS);
        assertThat(h.getTotalCount()).isEqualTo(20);
        assertThat(h.getMaxValue()).isBetween(99_900L, 100_100L);
        // arrivals 1..5 were due 10, 20, ... ms but sent only after the stall: 91, 82, 73, 64, 55 ms
        assertThat(h.getCountBetweenValues(50_000, 200_000)).isEqualTo(6);
        assertThat(h.getCountBetweenValues(9_000, 200_000)).isEqualTo(11);
        assertThat(d.maxSendLagNanos()).isBetween(89_000_000L, 91_000_000L);
    }

    @Test
    void refusesWorkBeyondTheInFlightCapAndCountsItAsRejected() {
        Fakes.Clock clock = new Fakes.Clock();
        Fakes.Pending pending = Fakes.Client.pending();
        Recording rec = new Recording(clock);
        Segment seg = rec.begin("m", false);
        Dispatch dispatch = new Dispatch(pending.client, rec, 0);
        OpenLoopDriver d = new OpenLoopDriver("t", 1000, Fakes.READS, dispatch, clock, 5, 1);

        d.runArrivals(12);

        SeriesStats s = seg.series().iterator().next();
        assertThat(dispatch.inFlight()).isEqualTo(5);
        assertThat(s.count(Outcome.REJECTED)).isEqualTo(7);
        assertThat(s.errorsByType()).containsEntry("rejected:harness-in-flight-cap", 7L);
    }
}
