package io.sluice.pool;

import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.spi.CallSite;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * Reports the lanes' leak suspects, each once: the {@link SluiceMeters#LEAK_SUSPECTS} counter, a WARN line
 * with the call site as its stack trace, and a {@link LeakEvent}; and, when a suspect is finally handed
 * back, an INFO line and a RELEASED event. The events go out on one hot flux for all lanes; a subscriber
 * that cannot keep up misses events, it never slows a lane down.
 */
final class LeakReports {

    private static final Logger LOG = Loggers.getLogger(LeakReports.class);

    private final MeterRegistry meters;
    private final Sinks.Many<LeakEvent> sink = Sinks.many().multicast().directBestEffort();

    LeakReports(MeterRegistry meters) {
        this.meters = meters;
    }

    /** Hot: events from the time of subscription on. */
    Flux<LeakEvent> events() {
        return sink.asFlux();
    }

    void suspected(LaneConfig config, long leaseId, Duration held, @Nullable CallSite site) {
        Duration threshold = config.leakDetectionThreshold();
        meters.counter(SluiceMeters.LEAK_SUSPECTS, "lane", config.lane().name()).increment();
        String message = "[lane " + config.lane().name() + "] connection lease #" + leaseId + " has been held for "
                + held.toMillis() + " ms, longer than leakDetectionThreshold=" + threshold.toMillis() + " ms: a "
                + "subscription that never terminates, or work that does not complete? "
                + (site == null ? "Its call site was not captured" : "Acquired at " + site.caller());
        if (site != null) {
            LOG.warn(message, site);
        } else {
            LOG.warn(message);
        }
        emit(new LeakEvent(LeakEvent.Kind.SUSPECTED, config.lane(), leaseId, held, threshold, frames(site)));
    }

    void released(LaneConfig config, long leaseId, Duration held, @Nullable CallSite site) {
        LOG.info("[lane {}] connection lease #{}, reported as a leak suspect, was handed back after {} ms{}",
                config.lane().name(), leaseId, held.toMillis(), site == null ? "" : " (acquired at " + site.caller() + ")");
        emit(new LeakEvent(LeakEvent.Kind.RELEASED, config.lane(), leaseId, held, config.leakDetectionThreshold(), frames(site)));
    }

    private static List<StackTraceElement> frames(@Nullable CallSite site) {
        return site == null ? List.of() : List.of(site.getStackTrace());
    }

    private synchronized void emit(LeakEvent e) {
        sink.tryEmitNext(e);   // the sink wants one emitter at a time; no subscriber: dropped
    }
}
