package io.sluice.pool;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** A lane's meters (names in {@link SluiceMeters}), registered once when the lane is built. */
final class LaneMeters {

    private LaneMeters() {
    }

    static void register(PooledLane l, MeterRegistry meters) {
        String lane = l.lane().name();
        AdmissionGate gate = l.gate();
        LanePool p = l.pool();
        FunctionCounter.builder(SluiceMeters.ADMITTED, gate, x -> x.admitted.sum()).tag("lane", lane).register(meters);
        FunctionCounter.builder(SluiceMeters.REJECTED, gate, x -> x.rejected.sum()).tag("lane", lane).tag("reason", "overloaded").register(meters);
        FunctionCounter.builder(SluiceMeters.REJECTED, gate, x -> x.queueTimeouts.sum()).tag("lane", lane).tag("reason", "queue_timeout").register(meters);
        FunctionCounter.builder(SluiceMeters.REJECTED, gate, x -> x.deadlineExpired.sum()).tag("lane", lane).tag("reason", "deadline").register(meters);
        Gauge.builder(SluiceMeters.IN_FLIGHT, gate, AdmissionGate::inFlight).tag("lane", lane).register(meters);
        Gauge.builder(SluiceMeters.QUEUED, gate, AdmissionGate::queued).tag("lane", lane).register(meters);
        Gauge.builder(SluiceMeters.LIMIT, gate, AdmissionGate::effectiveLimit).tag("lane", lane).register(meters);
        Gauge.builder(SluiceMeters.CONNECTIONS, p, x -> x.snapshot().acquired()).tag("lane", lane).tag("state", "active").register(meters);
        Gauge.builder(SluiceMeters.CONNECTIONS, p, x -> x.snapshot().idle()).tag("lane", lane).tag("state", "idle").register(meters);
        Gauge.builder(SluiceMeters.CONNECTIONS, p, x -> x.snapshot().pending()).tag("lane", lane).tag("state", "pending").register(meters);
        Gauge.builder(SluiceMeters.CONNECTIONS, p, x -> x.config().maxSize()).tag("lane", lane).tag("state", "max").register(meters);
        CircuitBreaker breaker = l.breaker();
        if (breaker != null) {
            Gauge.builder(SluiceMeters.BREAKER_STATE, breaker, b -> switch (b.getState()) {
                case CLOSED -> 0;
                case HALF_OPEN -> 1;
                case OPEN -> 2;
                default -> 3;
            }).tag("lane", lane).register(meters);
            l.guard().onBreakerTransition((from, to) -> meters.counter(SluiceMeters.BREAKER_TRANSITIONS, "lane", lane,
                    "from", from.name().toLowerCase(Locale.ROOT), "to", to.name().toLowerCase(Locale.ROOT)).increment());
        }
        workTimers(lane, gate, meters);
    }

    /** {@code sluice.lane.work}: one timer per outcome, looked up once each; the gate reports every finished unit. */
    static void workTimers(String lane, AdmissionGate gate, MeterRegistry meters) {
        ConcurrentHashMap<String, Timer> timers = new ConcurrentHashMap<>();
        Timer success = Timer.builder(SluiceMeters.WORK).tags(Tags.of("lane", lane, "outcome", "success")).register(meters);
        gate.onFinished((nanos, failure) -> (failure == null ? success
                : timers.computeIfAbsent(failure.name().toLowerCase(Locale.ROOT), o -> Timer.builder(SluiceMeters.WORK)
                        .tags(Tags.of("lane", lane, "outcome", o)).register(meters)))
                .record(nanos, TimeUnit.NANOSECONDS));
    }
}
