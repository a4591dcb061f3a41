package io.sluice.pool;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.Deadline;
import io.sluice.Lane;
import io.sluice.SluiceException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * One lane's resilience around a unit of work, outermost first: circuit breaker (fails at once while
 * open; counts each unit once, by its final outcome) around retry (transient, retry-safe failures, with
 * backoff and jitter, within the attempt and time caps and the deadline; stops when the breaker opens)
 * around admission gate (rejects at once when full). Every attempt passes the gate again.
 */
final class LaneGuard {

    private final Lane lane;
    private final AdmissionGate gate;
    private final @Nullable Breaker breaker;
    private final RetryPolicy retry;
    private final Scheduler scheduler;
    private final MeterRegistry meters;
    /** Retry counters by failure kind, registered on first use. */
    private final io.micrometer.core.instrument.Counter[] retries = new io.micrometer.core.instrument.Counter[io.sluice.FailureKind.values().length];

    LaneGuard(Lane lane, AdmissionGate gate, @Nullable CircuitBreaker breaker, RetryPolicy retry, Scheduler scheduler,
              MeterRegistry meters) {
        this(lane, gate, breaker, retry, scheduler, meters, LaneConfig.DEFAULT_CONSECUTIVE_FAILURES);
    }

    LaneGuard(Lane lane, AdmissionGate gate, @Nullable CircuitBreaker breaker, RetryPolicy retry, Scheduler scheduler,
              MeterRegistry meters, int consecutiveFailures) {
        this.lane = lane;
        this.gate = gate;
        this.breaker = breaker == null ? null : new Breaker(lane, breaker, scheduler, meters, consecutiveFailures);
        this.retry = retry;
        this.scheduler = scheduler;
        this.meters = meters;
    }

    <T> Mono<T> guard(Mono<T> unit) {
        Mono<T> once = gate.admit(unit);
        Mono<T> retried = retry.maxAttempts() <= 1 ? once
                // onErrorResume, not retryWhen: nothing is set up per unit until a failure actually happens
                : Mono.deferContextual(ctx -> retrying(once, 1, scheduler.now(TimeUnit.NANOSECONDS), Deadline.from(ctx)));
        return breaker == null ? retried : breaker.guard(retried);
    }

    private <T> Mono<T> retrying(Mono<T> once, int attempt, long start, @Nullable Deadline deadline) {
        return once.onErrorResume(e -> {
            Duration delay = retryDelay(e, attempt, start, deadline, false);
            return delay == null ? Mono.error(e) : Mono.delay(delay, scheduler)
                    .then(Mono.defer(() -> breakerOpen() ? Mono.error(e) : retrying(once, attempt + 1, start, deadline)));
        });
    }

    private <T> Flux<T> retrying(Flux<T> once, int attempt, long start, @Nullable Deadline deadline,
                                 java.util.concurrent.atomic.AtomicBoolean emitted) {
        return once.onErrorResume(e -> {
            Duration delay = retryDelay(e, attempt, start, deadline, emitted.get());
            return delay == null ? Flux.error(e) : Mono.delay(delay, scheduler)
                    .thenMany(Flux.defer(() -> breakerOpen() ? Flux.error(e) : retrying(once, attempt + 1, start, deadline, emitted)));
        });
    }

    /** The delay before the next attempt, or null when {@code failure} is not to be retried. */
    private @Nullable Duration retryDelay(Throwable failure, int attemptsSoFar, long start, @Nullable Deadline deadline, boolean emitted) {
        if (!(failure instanceof SluiceException s) || !s.isRetryable() || attemptsSoFar >= retry.maxAttempts() || emitted) {
            return null;
        }
        if (failure instanceof io.sluice.AdmissionTimeoutException) {
            // the lane stayed saturated for the caller's whole acquireTimeout: waiting again would double the
            // wait the setting bounds; the caller is told the lane is busy (retry-safe, for its own retry)
            return null;
        }
        if (breakerOpen()) {
            return null;
        }
        Duration delay = retry.delay(attemptsSoFar);
        // elapsed time on the scheduler the delays run on, so maxTotal counts them on any (e.g. virtual) clock
        Duration elapsed = Duration.ofNanos(scheduler.now(TimeUnit.NANOSECONDS) - start);
        if (elapsed.plus(delay).compareTo(retry.maxTotal()) > 0 || (deadline != null && deadline.timeLeft().compareTo(delay) <= 0)) {
            return null;
        }
        retryCounter(s.kind()).increment();
        return delay;
    }

    private io.micrometer.core.instrument.Counter retryCounter(io.sluice.FailureKind kind) {
        io.micrometer.core.instrument.Counter c = retries[kind.ordinal()];
        if (c == null) {
            c = meters.counter(SluiceMeters.RETRIES, "lane", lane.name(), "kind", kind.name().toLowerCase(Locale.ROOT));
            retries[kind.ordinal()] = c;
        }
        return c;
    }

    <T> Flux<T> guard(Flux<T> unit) {
        Flux<T> once = gate.admit(unit);
        // a stream that already emitted rows is never retried: the subscriber would see them twice
        Flux<T> retried = retry.maxAttempts() <= 1 ? once : Flux.deferContextual(ctx -> {
            java.util.concurrent.atomic.AtomicBoolean emitted = new java.util.concurrent.atomic.AtomicBoolean();
            return retrying(once.doOnNext(x -> emitted.set(true)), 1, scheduler.now(TimeUnit.NANOSECONDS), Deadline.from(ctx), emitted);
        });
        return breaker == null ? retried : breaker.guard(retried);
    }

    /** The lane's breaker opened (on other work's failures): the database is down, so a unit stops retrying. */
    private boolean breakerOpen() {
        return breaker != null && breaker.isOpen();
    }

    AdmissionGate gate() {
        return gate;
    }

    void onBreakerTransition(java.util.function.BiConsumer<CircuitBreaker.State, CircuitBreaker.State> listener) {
        if (breaker != null) {
            breaker.onTransition(listener);
        }
    }

    @Nullable CircuitBreaker breaker() {
        return breaker == null ? null : breaker.circuitBreaker();
    }
}
