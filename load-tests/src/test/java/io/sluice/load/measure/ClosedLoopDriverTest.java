package io.sluice.load.measure;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.load.client.WorkSource;
import org.junit.jupiter.api.Test;

class ClosedLoopDriverTest {

    @Test
    void synchronousCompletionsDoNotGrowTheStack() {
        Fakes.Clock clock = new Fakes.Clock();
        Fakes.Client client = new Fakes.Client((w, done) -> done.done(null));
        Recording rec = new Recording(clock);
        Segment seg = rec.begin("m", false);
        ClosedLoopDriver[] driver = new ClosedLoopDriver[1];
        int[] issued = {0};
        WorkSource source = r -> {
            if (++issued[0] == 200_000) {
                driver[0].stop();
            }
            return Fakes.READ;
        };
        driver[0] = new ClosedLoopDriver(4, source, new Dispatch(client, rec, 0), clock, 1);

        driver[0].start();

        assertThat(seg.series().iterator().next().count(Outcome.SUCCESS)).isEqualTo(200_000);
    }

    @Test
    void keepsExactlyItsConcurrencyInFlight() {
        Fakes.Clock clock = new Fakes.Clock();
        Fakes.Pending pending = Fakes.Client.pending();
        Recording rec = new Recording(clock);
        Segment seg = rec.begin("m", false);
        Dispatch dispatch = new Dispatch(pending.client, rec, 0);
        ClosedLoopDriver d = new ClosedLoopDriver(8, Fakes.READS, dispatch, clock, 1);

        d.start();
        assertThat(dispatch.inFlight()).isEqualTo(8);
        for (int i = 0; i < 50; i++) {
            pending.completeOne(i % 5 == 0 ? new IllegalStateException("boom") : null);
        }
        assertThat(dispatch.inFlight()).isEqualTo(8);
        d.stop();
        while (pending.size() > 0) {
            pending.completeOne(null);
        }

        SeriesStats s = seg.series().iterator().next();
        assertThat(dispatch.inFlight()).isZero();
        assertThat(s.count(Outcome.SUCCESS)).isEqualTo(48);
        assertThat(s.count(Outcome.ERROR)).isEqualTo(10);
        assertThat(s.errorsByType()).containsEntry("error:IllegalStateException", 10L);
    }
}
