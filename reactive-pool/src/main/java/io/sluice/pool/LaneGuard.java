package io.sluice.pool;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.MeterRegistry;
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
 * One lane's resilience around a unit of work, outermost first: circuit breaker (fails at once while
 * open; counts each unit once, by its final outcome) around retry (transient, retry-safe failures, with
 * backoff and jitter, within the attempt and time caps and the deadline; stops when the breaker opens)
 * around admission gate (rejects at once when full). Every attempt passes the gate again.
 */
final class LaneGuard {

    private final Lane lane;
    private final AdmissionGate gate;
    private final @Nullable CircuitBreaker breaker;
    private final RetryPolicy retry;
    private final Scheduler scheduler;
    private final MeterRegistry meters;
    /** When the breaker last closed or cleared its window after an outage (scheduler nanos). */
    private volatile long recoveredAt = Long.MIN_VALUE / 2;

    LaneGuard(Lane lane, AdmissionGate gate, @Nullable CircuitBreaker breaker, RetryPolicy retry, Scheduler scheduler,
              MeterRegistry meters) {
        this.lane = lane;
        this.gate = gate;
        this.breaker = breaker;
        this.retry = retry;
        this.scheduler = scheduler;
        this.meters = meters;
        if (breaker != null) {
            breaker.getEventPublisher().onStateTransition(e -> {
                if (e.getStateTransition().getToState() == CircuitBreaker.State.CLOSED) {
                    recoveredAt = scheduler.now(TimeUnit.NANOSECONDS);
                }
            });
        }
    }

    <T> Mono<T> guard(Mono<T> unit) {
        Mono<T> once = gate.admit(unit);
        Mono<T> retried = retry.maxAttempts() <= 1 ? once
                // onErrorResume, not retryWhen: nothing is set up per unit until a failure actually happens
                : Mono.deferContextual(ctx -> retrying(once, 1, scheduler.now(TimeUnit.NANOSECONDS), Deadline.from(ctx)));
        if (breaker == null) {
            return retried;
        }
        return Mono.defer(() -> {
            if (!breaker.tryAcquirePermission()) {
                return Mono.error(open());
            }
            long start = scheduler.now(TimeUnit.NANOSECONDS);
            return retried.doOnSuccess(v -> succeeded(start)).doOnError(e -> failed(start, e)).doOnCancel(breaker::releasePermission);
        });
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
        if (breakerOpen()) {
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
        Flux<T> once = gate.admit(unit);
        // a stream that already emitted rows is never retried: the subscriber would see them twice
        Flux<T> retried = retry.maxAttempts() <= 1 ? once : Flux.deferContextual(ctx -> {
            java.util.concurrent.atomic.AtomicBoolean emitted = new java.util.concurrent.atomic.AtomicBoolean();
            return retrying(once.doOnNext(x -> emitted.set(true)), 1, scheduler.now(TimeUnit.NANOSECONDS), Deadline.from(ctx), emitted);
        });
        if (breaker == null) {
            return retried;
        }
        return Flux.defer(() -> {
            if (!breaker.tryAcquirePermission()) {
                return Flux.error(open());
            }
            long start = scheduler.now(TimeUnit.NANOSECONDS);
            return retried.doOnComplete(() -> succeeded(start)).doOnError(e -> failed(start, e)).doOnCancel(breaker::releasePermission);
        });
    }

    /**
     * A unit succeeded: the database answers. If recording it would open the breaker (the window still
     * holds the failures of an outage that just ended), the window is cleared first: a success never opens
     * the breaker, and recovery is not punished with an open wait.
     */
    private void succeeded(long start) {
        long now = scheduler.now(TimeUnit.NANOSECONDS);
        CircuitBreaker b = java.util.Objects.requireNonNull(breaker);
        if (b.getState() == CircuitBreaker.State.CLOSED) {
            CircuitBreaker.Metrics m = b.getMetrics();
            int calls = m.getNumberOfBufferedCalls() + 1;
            if (m.getNumberOfFailedCalls() > 0 && calls >= b.getCircuitBreakerConfig().getMinimumNumberOfCalls()
                    && m.getNumberOfFailedCalls() * 100f / calls >= b.getCircuitBreakerConfig().getFailureRateThreshold()) {
                b.reset();
                recoveredAt = now;
            }
        }
        b.onSuccess(now - start, TimeUnit.NANOSECONDS);
    }

    /**
     * A unit failed, after its retries: counted once, by its final outcome. A failure of work that began
     * before the lane recovered (a straggler of the outage) is not counted: it says nothing of the database now.
     */
    private void failed(long start, Throwable e) {
        CircuitBreaker b = java.util.Objects.requireNonNull(breaker);
        if (start - recoveredAt < 0) {
            b.releasePermission();
        } else {
            b.onError(scheduler.now(TimeUnit.NANOSECONDS) - start, TimeUnit.NANOSECONDS, e);
        }
    }

    /** The lane's breaker opened (on other work's failures): the database is down, so a unit stops retrying. */
    private boolean breakerOpen() {
        return breaker != null && breaker.getState() == CircuitBreaker.State.OPEN;
    }

    private Throwable open() {
        CallNotPermittedException e = CallNotPermittedException.createCallNotPermittedException(java.util.Objects.requireNonNull(breaker));
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
