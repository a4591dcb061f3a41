package io.sluice.pool;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.CircuitOpenException;
import io.sluice.Lane;
import io.sluice.internal.Relay;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.reactivestreams.Publisher;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.core.scheduler.Scheduler;

/**
 * A lane's circuit breaker as one operator: a unit asks for a permit when subscribed (none: it fails at
 * once with {@link CircuitOpenException}) and is recorded once, by its final outcome, when it terminates;
 * a cancelled unit gives its permit back. One subscriber class serves Mono and Flux (this runs for every
 * unit of work, so it is one object, not a defer and three peeks).
 *
 * <p>Recovery is not punished: a success never opens the breaker (if recording it would, because the
 * window still holds an outage's failures, the window is cleared first), and the failure of a unit that
 * began before the lane recovered (a straggler of the outage) is not counted.
 *
 * <p>Beside the window, {@code consecutiveFailures} infrastructure failures in a row open it while the window
 * holds fewer calls than its minimum: a quiet lane never fills that minimum, so the window alone would never
 * open it; a busy lane's window decides as before.
 */
final class Breaker {

    private final Lane lane;
    private final CircuitBreaker breaker;
    private final Scheduler scheduler;
    private final Counter rejected;
    private final int consecutiveFailures;
    /** Counted failures since the last success (reset on any transition). */
    private final java.util.concurrent.atomic.AtomicInteger failuresInARow = new java.util.concurrent.atomic.AtomicInteger();
    /** When the breaker last closed or cleared its window after an outage (scheduler nanos). */
    private volatile long recoveredAt = Long.MIN_VALUE / 2;
    private volatile BiConsumer<CircuitBreaker.State, CircuitBreaker.State> onTransition = (from, to) -> { };

    /**
     * No listener is registered on the breaker's own event publisher: with any consumer there, Resilience4j
     * builds an event (with a {@code ZonedDateTime}) for every call. Transitions are seen here instead, by
     * comparing the state around each call this class makes; every transition happens in one of them
     * (automatic open-to-half-open transition is off in Sluice's breakers).
     */
    Breaker(Lane lane, CircuitBreaker breaker, Scheduler scheduler, MeterRegistry meters, int consecutiveFailures) {
        this.consecutiveFailures = consecutiveFailures;
        this.lane = lane;
        this.breaker = breaker;
        this.scheduler = scheduler;
        this.rejected = meters.counter(SluiceMeters.REJECTED, "lane", lane.name(), "reason", "circuit_open");
    }

    /** Told of every state transition (from, to) of the breaker. */
    void onTransition(BiConsumer<CircuitBreaker.State, CircuitBreaker.State> listener) {
        this.onTransition = listener;
    }

    private void observe(CircuitBreaker.State before) {
        CircuitBreaker.State after = breaker.getState();
        if (after != before) {
            failuresInARow.set(0);
            if (after == CircuitBreaker.State.CLOSED) {
                recoveredAt = scheduler.now(TimeUnit.NANOSECONDS);
            }
            onTransition.accept(before, after);
        }
    }

    CircuitBreaker circuitBreaker() {
        return breaker;
    }

    boolean isOpen() {
        return breaker.getState() == CircuitBreaker.State.OPEN;
    }

    <T> Mono<T> guard(Mono<T> unit) {
        return new Mono<T>() {
            @Override
            public void subscribe(CoreSubscriber<? super T> actual) {
                Breaker.this.subscribe(unit, actual);
            }
        };
    }

    <T> Flux<T> guard(Flux<T> unit) {
        return new Flux<T>() {
            @Override
            public void subscribe(CoreSubscriber<? super T> actual) {
                Breaker.this.subscribe(unit, actual);
            }
        };
    }

    private <T> void subscribe(Publisher<T> unit, CoreSubscriber<? super T> actual) {
        CircuitBreaker.State before = breaker.getState();
        boolean permitted = breaker.tryAcquirePermission();
        observe(before);
        if (!permitted) {
            Operators.error(actual, open());
            return;
        }
        unit.subscribe(new Call<>(actual, scheduler.now(TimeUnit.NANOSECONDS)));
    }

    private Throwable open() {
        rejected.increment();
        Long waitMillis = breaker.getCircuitBreakerConfig().getWaitIntervalFunctionInOpenState().apply(1);
        return new CircuitOpenException(lane, breaker.getState().name(), waitMillis == null ? null : Duration.ofMillis(waitMillis),
                CallNotPermittedException.createCallNotPermittedException(breaker));
    }

    /** One unit's call: forwards every signal and records the outcome exactly once. */
    private final class Call<T> extends Relay<T> {
        private static final long serialVersionUID = 1L;
        private final long start;

        Call(CoreSubscriber<? super T> actual, long start) {
            super(actual);
            this.start = start;
        }

        @Override
        public void onNext(T t) {
            actual.onNext(t);
        }

        @Override
        public void onError(Throwable e) {
            if (compareAndSet(0, 1)) {
                failed(start, e);
            }
            actual.onError(e);
        }

        @Override
        public void onComplete() {
            if (compareAndSet(0, 1)) {
                succeeded(start);
            }
            actual.onComplete();
        }

        @Override
        public void cancel() {
            if (compareAndSet(0, 1)) {
                CircuitBreaker.State before = breaker.getState();
                breaker.releasePermission();
                observe(before);
            }
            upstream.cancel();
        }
    }

    private void succeeded(long start) {
        long now = scheduler.now(TimeUnit.NANOSECONDS);
        CircuitBreaker.State before = breaker.getState();
        if (before == CircuitBreaker.State.CLOSED) {
            CircuitBreaker.Metrics m = breaker.getMetrics();
            int failed = m.getNumberOfFailedCalls();
            if (failed > 0) {
                int calls = m.getNumberOfBufferedCalls() + 1;
                if (calls >= breaker.getCircuitBreakerConfig().getMinimumNumberOfCalls()
                        && failed * 100f / calls >= breaker.getCircuitBreakerConfig().getFailureRateThreshold()) {
                    breaker.reset();
                    recoveredAt = now;
                }
            }
        }
        failuresInARow.set(0);
        breaker.onSuccess(now - start, TimeUnit.NANOSECONDS);
        observe(before);
    }

    /**
     * The consecutive-failure rule, judged as the breaker's own config judges {@code e}: a recorded failure
     * extends the run (and opens the breaker at {@code consecutiveFailures}), an ignored one leaves it, any
     * other (the database answered: a caller's error) ends it.
     */
    private void inARow(Throwable e) {
        io.github.resilience4j.circuitbreaker.CircuitBreakerConfig c = breaker.getCircuitBreakerConfig();
        if (c.getIgnoreExceptionPredicate().test(e)) {
            return;
        }
        if (!c.getRecordExceptionPredicate().test(e)) {
            failuresInARow.set(0);
        } else if (failuresInARow.incrementAndGet() >= consecutiveFailures && breaker.getState() == CircuitBreaker.State.CLOSED
                && breaker.getMetrics().getNumberOfBufferedCalls() < c.getMinimumNumberOfCalls()) {
            // only while the window is too empty to judge: a busy lane's window decides (a blip under load is
            // ridden out by retries instead of opening the breaker for its wait)
            breaker.transitionToOpenState();
        }
    }

    private void failed(long start, Throwable e) {
        CircuitBreaker.State before = breaker.getState();
        if (start - recoveredAt < 0) {
            breaker.releasePermission();
        } else {
            breaker.onError(scheduler.now(TimeUnit.NANOSECONDS) - start, TimeUnit.NANOSECONDS, e);
            if (consecutiveFailures > 0) {
                inARow(e);
            }
        }
        observe(before);
    }
}
