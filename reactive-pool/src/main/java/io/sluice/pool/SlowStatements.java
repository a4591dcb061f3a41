package io.sluice.pool;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * Where slow-statement reports go: one WARN line each and a hot stream. The stream is best effort so a
 * report never blocks or fails the unit's release: a subscriber that is slow misses events instead of
 * holding anyone up, and two releases reporting at the same instant may drop one event (never the log
 * line or the counter).
 */
final class SlowStatements {

    private static final Logger LOG = Loggers.getLogger(SlowStatements.class);

    private final Sinks.Many<SlowStatement> sink = Sinks.many().multicast().directBestEffort();

    /** Hot, multicast; each subscriber sees the reports made while it is subscribed. */
    Flux<SlowStatement> flux() {
        return sink.asFlux();
    }

    void report(SlowStatement s, @Nullable Runnable counted) {
        LOG.warn("[lane {}] slow: operation '{}' held its connection for {} ms (slowStatementThreshold={} ms)",
                s.lane().name(), s.operation(), s.duration().toMillis(), s.threshold().toMillis());
        if (counted != null) {
            counted.run();
        }
        sink.tryEmitNext(s);
    }

    void complete() {
        sink.tryEmitComplete();
    }
}
