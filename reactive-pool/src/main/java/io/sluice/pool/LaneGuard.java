package io.sluice.pool;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.sluice.CircuitOpenException;
import io.sluice.Deadline;
import io.sluice.FailureKind;
import io.sluice.Failures;
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
 * One lane's resilience around a unit of work, outermost first: retry (transient, retry-safe failures,
 * with backoff and jitter, within the attempt and time caps and the deadline) around circuit breaker
 * (fails at once while open) around admission gate (rejects at once when full). Every attempt passes
 * the breaker and the gate again.
 */
final class LaneGuard {

    private final Lane lane;
    private final AdmissionGate gate;
    private final @Nullable CircuitBreaker breaker;
    private final RetryPolicy retry;
    private final Scheduler scheduler;
    private final MeterRegistry meters;
    private final java.util.concurrent.ConcurrentHashMap<String, Timer> timers = new java.util.concurrent.ConcurrentHashMap<>();

    LaneGuard(Lane lane, AdmissionGate gate, @Nullable CircuitBreaker breaker, RetryPolicy retry, Scheduler scheduler,
              MeterRegistry meters) {
        this.lane = lane;
        this.gate = gate;
        this.breaker = breaker;
        this.retry = retry;
        this.scheduler = scheduler;
        this.meters = meters;
        gate.onFinished((nanos, failure) -> timers.computeIfAbsent(failure == null ? "success"
                        : failure.name().toLowerCase(Locale.ROOT), o -> Timer.builder(SluiceMeters.WORK)
                        .tags(Tags.of("lane", lane.name(), "outcome", o)).register(meters))
                .record(nanos, TimeUnit.NANOSECONDS));
    }

    <T> Mono<T> guard(Mono<T> unit) {
        Mono<T> attempt = gate.admit(unit);
        if (breaker != null) {
            attempt = attempt.transformDeferred(CircuitBreakerOperator.of(breaker)).onErrorMap(CallNotPermittedException.class, this::open);
        }
        Mono<T> once = attempt;
        if (retry.maxAttempts() <= 1) {
            return once;
        }
        // onErrorResume, not retryWhen: nothing is set up per unit until a failure actually happens
        return Mono.deferContextual(ctx -> {
            Deadline deadline = Deadline.from(ctx);
            long start = scheduler.now(TimeUnit.NANOSECONDS);
            return retrying(once, 1, start, deadline);
        });
    }

    private <T> Mono<T> retrying(Mono<T> once, int attempt, long start, @Nullable Deadline deadline) {
        return once.onErrorResume(e -> {
            Duration delay = retryDelay(e, attempt, start, deadline, false);
            return delay == null ? Mono.error(e) : Mono.delay(delay, scheduler).then(retrying(once, attempt + 1, start, deadline));
        });
    }

    private <T> Flux<T> retrying(Flux<T> once, int attempt, long start, @Nullable Deadline deadline,
                                 java.util.concurrent.atomic.AtomicBoolean emitted) {
        return once.onErrorResume(e -> {
            Duration delay = retryDelay(e, attempt, start, deadline, emitted.get());
            return delay == null ? Flux.error(e) : Mono.delay(delay, scheduler).thenMany(retrying(once, attempt + 1, start, deadline, emitted));
        });
    }

    /** The delay before the next attempt, or null when {@code failure} is not to be retried. */
    private @Nullable Duration retryDelay(Throwable failure, int attemptsSoFar, long start, @Nullable Deadline deadline, boolean emitted) {
        if (!(failure instanceof SluiceException s) || !s.isRetryable() || attemptsSoFar >= retry.maxAttempts() || emitted) {
            return null;
        }
        Duration delay = retry.delay(attemptsSoFar);
        // elapsed time on the scheduler the delays run on, so maxTotal counts them on any (e.g. virtual) clock
        Duration elapsed = Duration.ofNanos(scheduler.now(TimeUnit.NANOSECONDS) - start);
        if (elapsed.plus(delay).compareTo(retry.maxTotal()) > 0 || (deadline != null && deadline.timeLeft().compareTo(delay) <= 0)) {
            return null;
        }
        meters.counter(SluiceMeters.RETRIES, "lane", lane.name(), "kind", s.kind().name().toLowerCase(Locale.ROOT)).increment();
        return delay;
    }

    <T> Flux<T> guard(Flux<T> unit) {
        Flux<T> attempt = gate.admit(unit);
        if (breaker != null) {
            attempt = attempt.transformDeferred(CircuitBreakerOperator.of(breaker)).onErrorMap(CallNotPermittedException.class, this::open);
        }
        Flux<T> once = attempt;
        if (retry.maxAttempts() <= 1) {
            return once;
        }
        // a stream that already emitted rows is never retried: the subscriber would see them twice
        return Flux.deferContextual(ctx -> {
            java.util.concurrent.atomic.AtomicBoolean emitted = new java.util.concurrent.atomic.AtomicBoolean();
            return retrying(once.doOnNext(x -> emitted.set(true)), 1, scheduler.now(TimeUnit.NANOSECONDS), Deadline.from(ctx), emitted);
        });
    }

    private Throwable open(CallNotPermittedException e) {
        meters.counter(SluiceMeters.REJECTED, "lane", lane.name(), "reason", "circuit_open").increment();
        if (breaker == null) {
            return new CircuitOpenException(lane, "OPEN", e);
        }
        Long waitMillis = breaker.getCircuitBreakerConfig().getWaitIntervalFunctionInOpenState().apply(1);
        return new CircuitOpenException(lane, breaker.getState().name(), waitMillis == null ? null : Duration.ofMillis(waitMillis), e);
    }

    AdmissionGate gate() {
        return gate;
    }

    @Nullable CircuitBreaker breaker() {
        return breaker;
    }
}
