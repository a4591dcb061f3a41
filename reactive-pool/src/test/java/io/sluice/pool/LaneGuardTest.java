package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.AdmissionTimeoutException;
import io.sluice.BadSqlException;
import io.sluice.CircuitOpenException;
import io.sluice.ConnectionUnavailableException;
import io.sluice.Deadline;
import io.sluice.IntegrityViolationException;
import io.sluice.Lane;
import io.sluice.LaneOverloadedException;
import io.sluice.PoolSnapshot;
import io.sluice.QueryTimeoutException;
import io.sluice.TransientConnectionException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/** Retry around breaker around gate, on virtual time (retry delays) and a hand-moved clock (breaker wait). */
class LaneGuardTest {

    private static final Lane LANE = Lane.of("orders");
    private static final PoolSnapshot POOL = new PoolSnapshot(4, 4, 4, 0, 0);
    private static final RetryPolicy BACKOFF = RetryPolicy.backoff(5, Duration.ofMillis(100), Duration.ofSeconds(1)).jitter(0);

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final AdmissionGate gate = new AdmissionGate(LANE, new FixedLimit(4), 8, Duration.ofSeconds(10), time, () -> POOL);
    private final AtomicInteger attempts = new AtomicInteger();

    @AfterEach
    void stopTime() {
        time.dispose();
    }

    private LaneGuard guard(RetryPolicy retry) {
        gate.onFinished(new LaneMeters(LaneConfig.builder(LANE).build(), meters, false, new SlowStatements())::finished);
        return new LaneGuard(LANE, gate, null, retry, time, meters);
    }

    /** A unit of work that fails with the given errors, one per attempt, and then succeeds. */
    private Mono<String> failing(Throwable... failures) {
        return Mono.defer(() -> {
            int attempt = attempts.getAndIncrement();
            return attempt < failures.length ? Mono.error(failures[attempt]) : Mono.just("ok");
        });
    }

    private Mono<String> alwaysFailing(Supplier<? extends Throwable> failure) {
        return Mono.defer(() -> {
            attempts.incrementAndGet();
            return Mono.error(failure.get());
        });
    }

    /** Sluice marks exceptions retry-safe itself (package-private in io.sluice); a test says so by overriding. */
    private static TransientConnectionException connectionLost() {
        return new TransientConnectionException("[lane orders] connection lost", LANE, "08006", null) {
            @Override
            public boolean isRetryable() {
                return true;
            }
        };
    }

    private static ConnectionUnavailableException noConnection() {
        return new ConnectionUnavailableException("[lane orders] no connection", LANE, null, null, null, null) {
            @Override
            public boolean isRetryable() {
                return true;
            }
        };
    }

    private double retries(String kind) {
        Counter c = meters.find(SluiceMeters.RETRIES).tags("lane", "orders", "kind", kind).counter();
        return c == null ? 0 : c.count();
    }

    private void advance(Duration d) {
        time.advanceTimeBy(d);
    }

    @Test
    void retriesRetryableFailuresAfterEachBackoffDelayUntilTheWorkSucceeds() {
        Mono<String> work = guard(BACKOFF).guard(failing(connectionLost(), noConnection(), connectionLost()));

        StepVerifier.Step<String> steps = StepVerifier.create(work).then(() -> assertThat(attempts).hasValue(1));
        int attempt = 1;
        for (long delay : new long[]{100, 200, 400}) {
            int before = attempt++;
            int after = attempt;
            steps = steps.then(() -> advance(Duration.ofMillis(delay - 1)))
                    .then(() -> assertThat(attempts).as("just before the %d ms delay", delay).hasValue(before))
                    .then(() -> advance(Duration.ofMillis(1)))
                    .then(() -> assertThat(attempts).as("after the %d ms delay", delay).hasValue(after));
        }
        steps.expectNext("ok").verifyComplete();

        assertThat(retries("connection_lost")).isEqualTo(2);
        assertThat(retries("connection_unavailable")).isEqualTo(1);
        assertThat(meters.get(SluiceMeters.WORK).tags("lane", "orders", "outcome", "success").timer().count()).isEqualTo(1);
        assertThat(meters.get(SluiceMeters.WORK).tags("lane", "orders", "outcome", "connection_lost").timer().count()).isEqualTo(2);
        assertThat(gate.inFlight()).isZero();
        assertThat(gate.admitted.sum()).isEqualTo(4);
    }

    @Test
    void retriesAFluxThatFailsBeforeItsFirstRow() {
        AtomicInteger subscriptions = new AtomicInteger();
        Flux<Integer> rows = Flux.defer(() -> subscriptions.getAndIncrement() == 0
                ? Flux.error(connectionLost()) : Flux.just(1, 2));

        StepVerifier.create(guard(BACKOFF).guard(rows))
                .then(() -> advance(Duration.ofMillis(100)))
                .expectNext(1, 2)
                .verifyComplete();

        assertThat(subscriptions).hasValue(2);
        assertThat(retries("connection_lost")).isEqualTo(1);
    }

    @Test
    void neverRetriesAFluxThatAlreadyEmittedRowsSoNoRowIsSeenTwice() {
        AtomicInteger subscriptions = new AtomicInteger();
        Flux<Integer> rows = Flux.defer(() -> subscriptions.getAndIncrement() == 0
                ? Flux.concat(Flux.just(1), Flux.error(connectionLost())) : Flux.just(1, 2));

        StepVerifier.create(guard(BACKOFF).guard(rows))
                .expectNext(1)
                .verifyError(TransientConnectionException.class);

        assertThat(subscriptions).hasValue(1);
        assertThat(retries("connection_lost")).isZero();
    }

    static Stream<Arguments> notRetryable() {
        return Stream.of(
                Arguments.of("transient but not retry-safe", new TransientConnectionException("lost", LANE, "08006", null)),
                Arguments.of("overloaded", new LaneOverloadedException(LANE, 4, 4, 8, 8)),
                Arguments.of("bad SQL", new BadSqlException("syntax error", LANE, "42601", null)),
                Arguments.of("the caller's own exception", new IllegalStateException("bug in the mapper")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("notRetryable")
    void failsAtOnceWithoutRetryingFailuresThatAreNotRetryable(String what, Throwable failure) {
        StepVerifier.create(guard(BACKOFF).guard(failing(failure)))
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(failure))
                .verify();

        assertThat(attempts).hasValue(1);
        assertThat(meters.find(SluiceMeters.RETRIES).counter()).isNull();
        assertThat(gate.inFlight()).isZero();
    }

    @Test
    void doesNotRetryARejectionByItsOwnGate() {
        AdmissionGate full = new AdmissionGate(LANE, new FixedLimit(1), 0, Duration.ofSeconds(10), time, () -> POOL);
        LaneGuard guard = new LaneGuard(LANE, full, null, BACKOFF, time, meters);
        guard.guard(Mono.never()).subscribe();

        StepVerifier.create(guard.guard(failing()))
                .expectError(LaneOverloadedException.class)
                .verify();

        assertThat(attempts).hasValue(0);
        assertThat(full.rejected.sum()).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            // policy: at most 3 attempts; delays 100, 200 ms
            "maxAttempts 3,        3, 10000, 3",
            // delays 100, 200 ms; the third retry would start at 300 + 400 = 700 ms, past maxTotal 500 ms
            "maxTotal 500 ms,     10,   500, 3",
            // the first retry would start after 100 ms, past maxTotal 50 ms
            "maxTotal 50 ms,      10,    50, 1"})
    void stopsRetryingAtTheAttemptOrTimeCap(String cap, int maxAttempts, long maxTotalMillis, int expectedAttempts) {
        RetryPolicy policy = RetryPolicy.backoff(maxAttempts, Duration.ofMillis(100), Duration.ofSeconds(1))
                .jitter(0).maxTotal(Duration.ofMillis(maxTotalMillis));

        StepVerifier.create(guard(policy).guard(alwaysFailing(LaneGuardTest::connectionLost)))
                .then(() -> advance(Duration.ofMinutes(1)))
                .expectError(TransientConnectionException.class)
                .verify();

        assertThat(attempts).hasValue(expectedAttempts);
        assertThat(retries("connection_lost")).isEqualTo(expectedAttempts - 1);
    }

    @ParameterizedTest(name = "deadline in {0} s, retry after 60 s: {1} attempt(s)")
    @CsvSource({"30, 1", "3600, 2"})
    void stopsRetryingWhenTheNextDelayWouldPassTheDeadlineInTheContext(long deadlineSeconds, int expectedAttempts) {
        RetryPolicy slow = RetryPolicy.backoff(5, Duration.ofMinutes(1), Duration.ofMinutes(1)).jitter(0).maxTotal(Duration.ofHours(1));
        Mono<String> work = guard(slow).guard(failing(connectionLost()))
                .contextWrite(Deadline.in(Duration.ofSeconds(deadlineSeconds)).context());

        StepVerifier.Step<String> steps = StepVerifier.create(work).then(() -> advance(Duration.ofMinutes(1)));
        if (expectedAttempts == 1) {
            steps.expectError(TransientConnectionException.class).verify();
        } else {
            steps.expectNext("ok").verifyComplete();
        }

        assertThat(attempts).hasValue(expectedAttempts);
    }

    // ---- circuit breaker: built as Lanes.newGuard builds it, with a clock the test moves; no retries mixed in

    private final MutableClock clock = new MutableClock();

    private LaneGuard breakerGuard() {
        return breakerGuard(RetryPolicy.none());
    }

    private LaneGuard breakerGuard(RetryPolicy retry) {
        // the lane default (count-based, 50% failures, no automatic half-open) with a window small enough to fill by hand
        CircuitBreaker breaker = CircuitBreaker.of("sluice-orders", CircuitBreakerConfig.from(LaneConfig.DEFAULT_BREAKER)
                .slidingWindowSize(4).minimumNumberOfCalls(4).waitDurationInOpenState(Duration.ofSeconds(10))
                .permittedNumberOfCallsInHalfOpenState(2)
                .recordException(PooledLane::countsAgainstBreaker)
                .ignoreException(PooledLane::ignoredByBreaker)
                .clock(clock)
                .build());
        return new LaneGuard(LANE, gate, breaker, retry, time, meters);
    }

    @Test
    void theBreakerCountsAUnitOnceByItsFinalOutcomeHoweverOftenItWasRetried() {
        LaneGuard guard = breakerGuard(BACKOFF);
        StepVerifier.create(guard.guard(failing(noConnection(), noConnection(), noConnection())))
                .then(() -> advance(Duration.ofSeconds(1)))
                .expectNext("ok").verifyComplete();
        assertThat(attempts).hasValue(4);
        assertThat(guard.breaker().getMetrics().getNumberOfBufferedCalls()).isEqualTo(1);
        assertThat(guard.breaker().getMetrics().getNumberOfFailedCalls()).isZero();
        assertThat(guard.breaker().getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void retriesStopOnceTheBreakerOpened() {
        LaneGuard guard = breakerGuard(BACKOFF);
        StepVerifier.create(guard.guard(alwaysFailing(LaneGuardTest::noConnection)))
                .then(() -> guard.breaker().transitionToOpenState())
                .then(() -> advance(Duration.ofSeconds(10)))
                .expectError(ConnectionUnavailableException.class).verify();
        assertThat(attempts).as("the attempt in flight when the breaker opened, and no more").hasValue(1);
    }

    @Test
    void aSuccessNeverOpensTheBreakerWhenTheServerReturnsAfterAnOutage() {
        LaneGuard guard = breakerGuard();
        fail(guard, 3, () -> new TransientConnectionException("lost", LANE, "08006", null));
        assertThat(guard.breaker().getState()).isEqualTo(CircuitBreaker.State.CLOSED);   // 3 of the 4 calls the window needs

        StepVerifier.create(guard.guard(failing())).expectNext("ok").verifyComplete();

        assertThat(guard.breaker().getState()).as("the success that would have made 75%% failures").isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(guard.breaker().getMetrics().getNumberOfFailedCalls()).isZero();
    }

    @Test
    void aFailureOfWorkThatBeganBeforeTheLaneRecoveredIsNotCounted() {
        LaneGuard guard = breakerGuard();
        Sinks.One<String> straggler = Sinks.one();
        guard.guard(straggler.asMono()).subscribe(v -> { }, e -> { });
        advance(Duration.ofMillis(10));
        fail(guard, 3, () -> new TransientConnectionException("lost", LANE, "08006", null));
        StepVerifier.create(guard.guard(failing())).expectNext("ok").verifyComplete();     // the lane recovers
        advance(Duration.ofMillis(10));

        straggler.tryEmitError(new TransientConnectionException("lost long ago", LANE, "08006", null));

        assertThat(guard.breaker().getMetrics().getNumberOfFailedCalls()).isZero();
        fail(guard, 1, () -> new TransientConnectionException("lost now", LANE, "08006", null));
        assertThat(guard.breaker().getMetrics().getNumberOfFailedCalls()).as("a failure of new work counts").isEqualTo(1);
    }

    @Test
    void aQueueTimeoutIsRetrySafeButNotRetriedTheWaitStaysBoundedByAcquireTimeout() {
        AdmissionTimeoutException queued = new AdmissionTimeoutException("[lane orders] waited", LANE, Duration.ofSeconds(2), POOL);
        assertThat(queued.isRetryable()).as("safe for the caller's own retry").isTrue();
        StepVerifier.create(guard(BACKOFF).guard(failing(queued)))
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(queued))
                .verify();
        assertThat(attempts).as("not queued again: that would double the wait acquireTimeout bounds").hasValue(1);
    }

    private static void fail(LaneGuard guard, int times, Supplier<? extends Throwable> failure) {
        for (int i = 0; i < times; i++) {
            StepVerifier.create(guard.guard(Mono.error(failure.get()))).expectError().verify();
        }
    }

    private void assertRejectedAtOnce(LaneGuard guard, String state) {
        int before = attempts.get();
        StepVerifier.create(guard.guard(failing()))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOfSatisfying(CircuitOpenException.class, open -> {
                    assertThat(open.lane()).isEqualTo(LANE);
                    assertThat(open.state()).isEqualTo(state);
                    assertThat(open.getMessage()).contains("orders", state, "10000 ms");
                    assertThat(open.retryAfter()).as("the breaker's wait, for a Retry-After").isEqualTo(Duration.ofSeconds(10));
                    assertThat(open.getCause()).isInstanceOf(CallNotPermittedException.class);
                }))
                .verify();
        assertThat(attempts).as("the unit is not subscribed").hasValue(before);
    }

    private static Arguments failure(String what, boolean opens, Supplier<Throwable> failure) {
        return Arguments.of(what, opens, failure);
    }

    static Stream<Arguments> failures() {
        return Stream.of(
                failure("connection lost", true, () -> new TransientConnectionException("lost", LANE, "08006", null)),
                failure("statement timeout", true, () -> new QueryTimeoutException("cancelled", LANE, "57014", null)),
                failure("no connection", true, () -> new ConnectionUnavailableException("none", LANE, null, null, null, null)),
                failure("bad SQL", false, () -> new BadSqlException("syntax error", LANE, "42601", null)),
                failure("integrity violation", false, () -> new IntegrityViolationException("duplicate key", LANE, "23505", null)),
                failure("overloaded", false, () -> new LaneOverloadedException(LANE, 4, 4, 8, 8)),
                failure("the caller's own exception", false, () -> new IllegalStateException("bug in the mapper")));
    }

    @ParameterizedTest(name = "{0}: opens {1}")
    @MethodSource("failures")
    void onlyInfrastructureFailuresOpenTheBreakerHoweverManyOthersThereAre(String what, boolean opens, Supplier<Throwable> failure) {
        LaneGuard guard = breakerGuard();

        fail(guard, 50, failure);

        assertThat(guard.breaker().getState()).isEqualTo(opens ? CircuitBreaker.State.OPEN : CircuitBreaker.State.CLOSED);
        assertThat(gate.admitted.sum()).as("calls that reached the gate").isEqualTo(opens ? 4 : 50);
        if (!opens) {
            assertThat(guard.breaker().getMetrics().getNumberOfFailedCalls()).isZero();
            StepVerifier.create(guard.guard(failing())).expectNext("ok").verifyComplete();
        }
    }

    @Test
    void everyBreakerTransitionIsReportedWithoutAListenerOnTheBreakersOwnPublisher() {
        LaneGuard guard = breakerGuard();
        List<String> seen = new java.util.ArrayList<>();
        guard.onBreakerTransition((from, to) -> seen.add(from + ">" + to));
        fail(guard, 4, () -> new TransientConnectionException("lost", LANE, "08006", null));
        clock.advance(Duration.ofSeconds(11));
        StepVerifier.create(guard.guard(failing())).expectNext("ok").verifyComplete();
        StepVerifier.create(guard.guard(failing())).expectNext("ok").verifyComplete();

        assertThat(seen).containsExactly("CLOSED>OPEN", "OPEN>HALF_OPEN", "HALF_OPEN>CLOSED");
    }

    @Test
    void anOpenBreakerFailsWorkAtOnceWithoutRunningItOrTakingAPermit() {
        LaneGuard guard = breakerGuard();
        fail(guard, 4, () -> new TransientConnectionException("lost", LANE, "08006", null));

        assertRejectedAtOnce(guard, "OPEN");

        assertThat(meters.get(SluiceMeters.REJECTED).tags("lane", "orders", "reason", "circuit_open").counter().count()).isEqualTo(1);
        assertThat(gate.admitted.sum()).isEqualTo(4);
        assertThat(gate.inFlight()).isZero();
    }

    @ParameterizedTest(name = "trial calls succeed: {0} -> {1}")
    @CsvSource({"true, CLOSED", "false, OPEN"})
    void afterItsWaitTheBreakerLetsThePermittedTrialCallsThroughAndTheyDecideItsState(boolean trialsSucceed,
                                                                                     CircuitBreaker.State expected) {
        LaneGuard guard = breakerGuard();
        fail(guard, 4, () -> new TransientConnectionException("lost", LANE, "08006", null));
        clock.advance(Duration.ofSeconds(9));
        assertRejectedAtOnce(guard, "OPEN");

        clock.advance(Duration.ofSeconds(2));
        Sinks.One<String> first = Sinks.one();
        Sinks.One<String> second = Sinks.one();
        guard.guard(first.asMono()).subscribe(v -> { }, e -> { });
        guard.guard(second.asMono()).subscribe(v -> { }, e -> { });
        assertThat(guard.breaker().getState()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
        assertRejectedAtOnce(guard, "HALF_OPEN");

        for (Sinks.One<String> trial : List.of(first, second)) {
            if (trialsSucceed) {
                trial.tryEmitValue("ok");
            } else {
                trial.tryEmitError(new TransientConnectionException("lost again", LANE, "08006", null));
            }
        }

        assertThat(guard.breaker().getState()).isEqualTo(expected);
        if (trialsSucceed) {
            StepVerifier.create(guard.guard(failing())).expectNext("ok").verifyComplete();
        } else {
            assertRejectedAtOnce(guard, "OPEN");
        }
        assertThat(gate.inFlight()).isZero();
    }

    /** A clock the test moves by hand. */
    private static final class MutableClock extends Clock {
        private volatile Instant now = Instant.parse("2025-06-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
