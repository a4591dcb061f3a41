package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.ConnectionUnavailableException;
import io.sluice.Deadline;
import io.sluice.DeadlineExceededException;
import io.sluice.FailureKind;
import io.sluice.Lane;
import io.sluice.LaneOverloadedException;
import io.sluice.PoolSnapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.scheduler.VirtualTimeScheduler;
import reactor.test.util.RaceTestUtils;

/** The admission gate on its own: units of work are sinks the test finishes, queue timeouts run on virtual time. */
class AdmissionGateTest {

    private static final Lane LANE = Lane.of("orders");
    private static final PoolSnapshot POOL = new PoolSnapshot(4, 4, 4, 0, 2);
    private static final Duration QUEUE_TIMEOUT = Duration.ofSeconds(1);

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
    private final List<String> started = new CopyOnWriteArrayList<>();

    @AfterEach
    void stopTime() {
        time.dispose();
    }

    private AdmissionGate gate(int limit, int maxQueue) {
        return new AdmissionGate(LANE, new FixedLimit(limit), maxQueue, QUEUE_TIMEOUT, time, () -> POOL);
    }

    /** A unit of work submitted to a gate; it runs (records its start) when admitted and ends when the test says. */
    private final class Work {
        final String name;
        final Sinks.Empty<Void> end = Sinks.empty();
        volatile Throwable error;
        volatile boolean completed;
        final Disposable subscription;

        Work(AdmissionGate gate, String name) {
            this(gate, name, null);
        }

        Work(AdmissionGate gate, String name, Deadline deadline) {
            this.name = name;
            this.subscription = gate.admit(Mono.defer(() -> {
                started.add(name);
                return end.asMono();
            })).contextWrite(ctx -> deadline == null ? ctx : ctx.putAll(deadline.context().readOnly()))
                    .subscribe(null, e -> error = e, () -> completed = true);
        }

        void finish() {
            end.tryEmitEmpty();
        }

        void fail() {
            end.tryEmitError(new IllegalStateException(name + " failed"));
        }

        void cancel() {
            subscription.dispose();
        }
    }

    private List<Work> submit(AdmissionGate gate, String... names) {
        List<Work> work = new ArrayList<>();
        for (String name : names) {
            work.add(new Work(gate, name));
        }
        return work;
    }

    @Test
    void admitsUpToItsLimitAtOnceAndQueuesTheRest() {
        AdmissionGate gate = gate(2, 5);

        submit(gate, "a", "b", "c");

        assertThat(started).containsExactly("a", "b");
        assertThat(gate.inFlight()).isEqualTo(2);
        assertThat(gate.queued()).isEqualTo(1);
        assertThat(gate.admitted.sum()).isEqualTo(2);
    }

    @Test
    void admitsWaitersInArrivalOrderAsPermitsFreeWhetherWorkSucceedsOrFails() {
        AdmissionGate gate = gate(1, 5);
        List<Work> w = submit(gate, "a", "b", "c", "d");
        assertThat(started).containsExactly("a");

        w.get(0).finish();
        assertThat(started).containsExactly("a", "b");
        w.get(1).fail();
        assertThat(started).containsExactly("a", "b", "c");
        w.get(2).finish();
        w.get(3).finish();

        assertThat(started).containsExactly("a", "b", "c", "d");
        assertThat(w.get(1).error).hasMessage("b failed");
        assertThat(gate.inFlight()).isZero();
        assertThat(gate.queued()).isZero();
    }

    @ParameterizedTest(name = "maxQueue {0}")
    @CsvSource({"0", "2"})
    void rejectsAtOnceWhenTheQueueIsFullSayingWhatIsInFlightAndWaiting(int maxQueue) {
        AdmissionGate gate = gate(2, maxQueue);
        List<Work> w = new ArrayList<>(submit(gate, "a", "b"));
        for (int i = 0; i < maxQueue; i++) {
            w.add(new Work(gate, "waiting" + i));
        }

        Work rejected = new Work(gate, "rejected");

        assertThat(rejected.error).isInstanceOfSatisfying(LaneOverloadedException.class, e -> {
            assertThat(e.lane()).isEqualTo(LANE);
            assertThat(e.limit()).isEqualTo(2);
            assertThat(e.inFlight()).isEqualTo(2);
            assertThat(e.queued()).isEqualTo(maxQueue);
            assertThat(e.maxQueue()).isEqualTo(maxQueue);
            assertThat(e.getMessage()).contains("orders", "2 in flight (limit 2)", maxQueue + " waiting");
        });
        assertThat(started).doesNotContain("rejected");
        assertThat(gate.rejected.sum()).isEqualTo(1);
        assertThat(gate.queued()).isEqualTo(maxQueue);
    }

    @Test
    void queuesWhileThePredictedWaitFitsTheTimeoutAndRejectsAtOnceWhenItWouldNot() {
        AdmissionGate gate = gate(2, 100);
        gate.serviceTime(Duration.ofMillis(400).toNanos());    // recent units held their permit 400 ms
        submit(gate, "a", "b");                                // the two permits

        // the k-th waiter is predicted to wait k x 400 ms / 2 permits: 200, 400, ..., 1000 ms fit the 1 s timeout
        List<Work> waiting = submit(gate, "w1", "w2", "w3", "w4", "w5");
        time.advanceTimeBy(Duration.ofMillis(150));           // the queue stands: its head has waited
        Work shed = new Work(gate, "shed");                    // 1,200 ms: longer than it could wait

        assertThat(waiting).allSatisfy(w -> assertThat(w.error).isNull());
        assertThat(gate.queued()).isEqualTo(5);
        assertThat(shed.error).isInstanceOfSatisfying(LaneOverloadedException.class, e -> {
            assertThat(e.predictedWait()).contains(Duration.ofMillis(1200));
            assertThat(e.queued()).isEqualTo(5);
            assertThat(e.getMessage()).contains("orders", "would wait about 1200 ms", "5 waiting ahead",
                    "acquireTimeout (1000 ms)");
        });
        assertThat(started).doesNotContain("shed");
        assertThat(gate.rejected.sum()).isEqualTo(1);
        assertThat(gate.predictedRejected.sum()).isEqualTo(1);
    }

    @Test
    void waitersWhoseTurnNoLongerFitsAfterTheWorkSlowedAreShedFromTheQueueNotLeftToTimeOut() {
        AdmissionGate gate = gate(2, 100);
        gate.serviceTime(Duration.ofMillis(400).toNanos());
        submit(gate, "a", "b");
        List<Work> waiting = submit(gate, "w1", "w2", "w3");  // predicted 200, 400, 600 ms: all fit the 1 s timeout
        for (int i = 0; i < 200; i++) {
            gate.serviceTime(Duration.ofSeconds(1).toNanos()); // the work slowed: permits now held about 1 s
        }

        time.advanceTimeBy(Duration.ofMillis(300));           // the queue stands; w3's turn (1.5 s) is past its 1 s
        assertThat(waiting.get(2).error).isInstanceOf(LaneOverloadedException.class);
        assertThat(waiting.get(1).error).as("w2's turn, 1 s from the admissions, still fits").isNull();
        time.advanceTimeBy(Duration.ofMillis(300));           // with no permit freed, w2's turn is at least 500 ms away

        assertThat(waiting.get(0).error).isNull();
        assertThat(waiting.subList(1, 3)).allSatisfy(w -> assertThat(w.error).isInstanceOfSatisfying(LaneOverloadedException.class, e -> {
            assertThat(e.predictedWait()).isPresent();
            assertThat(e.getMessage()).contains("orders", "shed from the queue after waiting", "more for admission",
                    "acquireTimeout (1000 ms)");
        }));
        assertThat(gate.queued()).isEqualTo(1);
        assertThat(gate.predictedRejected.sum()).isEqualTo(2);
        assertThat(gate.queueTimeouts.sum()).isZero();
        assertThat(started).doesNotContain("w2", "w3");
    }

    @Test
    void aCallerWhoseDeadlineEndsBeforeItsPredictedTurnIsRejectedAtOnceNotAfterTheWait() {
        AdmissionGate gate = gate(1, 100);
        gate.serviceTime(Duration.ofMillis(300).toNanos());
        submit(gate, "a");
        new Work(gate, "first", Deadline.in(Duration.ofSeconds(5)));
        time.advanceTimeBy(Duration.ofMillis(200));

        Work hurried = new Work(gate, "hurried", Deadline.in(Duration.ofMillis(100)));
        Work patient = new Work(gate, "patient", Deadline.in(Duration.ofSeconds(5)));

        assertThat(hurried.error).isInstanceOfSatisfying(LaneOverloadedException.class,
                e -> assertThat(e.getMessage()).contains("longer than its deadline allows"));
        assertThat(patient.error).isNull();
        assertThat(gate.queued()).isEqualTo(2);
    }

    @Test
    void aBurstRightAfterSlowWorkIsQueuedNotShedUntilTheQueueIsSeenToStand() {
        AdmissionGate gate = gate(1, 100);
        gate.serviceTime(Duration.ofMillis(800).toNanos());    // the mean remembers slow work
        submit(gate, "a");
        List<Work> burst = submit(gate, "b1", "b2", "b3");     // predicted 0.8, 1.6, 2.4 s: no one has waited yet

        assertThat(burst).allSatisfy(w -> assertThat(w.error).isNull());
        assertThat(gate.queued()).isEqualTo(3);
        assertThat(gate.predictedRejected.sum()).isZero();
    }

    @Test
    void withoutPredictionOrBeforeAnyUnitEndedOnlyTheCountBoundsTheQueue() {
        AdmissionGate fresh = gate(1, 3);                       // nothing ended yet: no prediction
        submit(fresh, "a", "b", "c", "d");
        assertThat(fresh.queued()).isEqualTo(3);
        assertThat(fresh.predictedRejected.sum()).isZero();

        AdmissionGate off = gate(1, 3);
        off.predictive(false);
        off.serviceTime(Duration.ofSeconds(10).toNanos());
        List<Work> w = submit(off, "e", "f", "g");
        assertThat(off.queued()).isEqualTo(2);
        assertThat(w).allSatisfy(x -> assertThat(x.error).isNull());
    }

    @Test
    void thePredictionFollowsRecentWork() {
        AdmissionGate gate = gate(4, 100);
        assertThat(gate.predictedWait(1)).isZero();
        gate.serviceTime(Duration.ofMillis(100).toNanos());
        assertThat(gate.predictedWait(8)).isEqualTo(Duration.ofMillis(200).toNanos());
        for (int i = 0; i < 200; i++) {
            gate.serviceTime(Duration.ofMillis(1).toNanos());  // the work got fast: the mean follows within a few dozen units
        }
        assertThat(gate.predictedWait(8)).isBetween(Duration.ofMillis(1).toNanos(), Duration.ofMillis(3).toNanos());
    }

    @Test
    void cancellingAWaiterTakesItOutOfTheQueueAndItNeverRuns() {
        AdmissionGate gate = gate(1, 5);
        List<Work> w = submit(gate, "a", "b", "c");
        assertThat(gate.queued()).isEqualTo(2);

        w.get(1).cancel();
        assertThat(gate.queued()).isEqualTo(1);
        w.get(0).finish();

        assertThat(started).containsExactly("a", "c");
        assertThat(gate.inFlight()).isEqualTo(1);
        assertThat(gate.queued()).isZero();
    }

    @Test
    void cancellingAdmittedWorkFreesItsPermitForTheNextWaiter() {
        AdmissionGate gate = gate(1, 5);
        List<Work> w = submit(gate, "a", "b");

        w.get(0).cancel();
        assertThat(started).containsExactly("a", "b");
        assertThat(gate.inFlight()).isEqualTo(1);

        w.get(1).cancel();
        assertThat(gate.inFlight()).isZero();
    }

    @Test
    void failsAWaiterNotAdmittedWithinTheQueueTimeoutNamingTheLaneAndThePool() {
        AdmissionGate gate = gate(1, 5);
        List<Work> w = submit(gate, "a", "b");

        time.advanceTimeBy(QUEUE_TIMEOUT.minusMillis(1));
        assertThat(w.get(1).error).isNull();
        time.advanceTimeBy(Duration.ofMillis(1));

        assertThat(w.get(1).error).isInstanceOfSatisfying(ConnectionUnavailableException.class, e -> {
            assertThat(e.lane()).isEqualTo(LANE);
            assertThat(e.waited()).isEqualTo(QUEUE_TIMEOUT);
            assertThat(e.pool()).isEqualTo(POOL);
            assertThat(e.getMessage()).contains("orders", "1000 ms", "1 in flight (admission limit 1)", "0 waiting");
        });
        assertThat(gate.queued()).isZero();
        assertThat(gate.queueTimeouts.sum()).isEqualTo(1);

        w.get(0).finish();
        assertThat(started).containsExactly("a");
        assertThat(gate.inFlight()).isZero();
    }

    @Test
    void aWaiterWhoseDeadlinePassesInTheQueueFailsAsADeadlineWithoutWaitingForTheQueueTimeout() {
        AdmissionGate gate = gate(1, 5);
        Work a = new Work(gate, "a");
        Work b = new Work(gate, "b", Deadline.in(Duration.ofMillis(100)));
        Work c = new Work(gate, "c");                                  // behind it, no deadline: the queue timeout
        Work d = new Work(gate, "d", Deadline.in(Duration.ofMinutes(5))); // the queue timeout ends its wait first

        time.advanceTimeBy(Duration.ofMillis(150));                   // the sweep runs every 50 ms at most

        assertThat(b.error).isInstanceOfSatisfying(DeadlineExceededException.class, e -> {
            assertThat(e.lane()).isEqualTo(LANE);
            assertThat(e.kind()).isEqualTo(FailureKind.DEADLINE_EXCEEDED);
            assertThat(e.getMessage()).contains("orders", "while waiting for admission", "1 in flight", "not started");
        });
        assertThat(c.error).isNull();
        assertThat(gate.queued()).isEqualTo(2);
        assertThat(gate.deadlineExpired.sum()).isEqualTo(1);
        assertThat(gate.queueTimeouts.sum()).isZero();

        a.finish();
        assertThat(started).containsExactly("a", "c");                  // b never ran
        time.advanceTimeBy(QUEUE_TIMEOUT);
        assertThat(d.error).isInstanceOf(ConnectionUnavailableException.class);
        c.finish();
        assertThat(gate.inFlight()).isZero();
    }

    @Test
    void aWaiterWithADeadlineAdmittedOrCancelledInTimeIsNotFailedLater() {
        AdmissionGate gate = gate(1, 5);
        Work a = new Work(gate, "a");
        Work b = new Work(gate, "b", Deadline.in(Duration.ofMillis(100)));
        Work c = new Work(gate, "c", Deadline.in(Duration.ofMillis(100)));
        c.cancel();
        a.finish();                                                   // b is admitted before its deadline

        time.advanceTimeBy(Duration.ofSeconds(2));

        assertThat(started).containsExactly("a", "b");
        assertThat(b.error).isNull();
        assertThat(c.error).isNull();
        assertThat(gate.deadlineExpired.sum()).isZero();
        b.finish();
        assertThat(b.completed).isTrue();
        assertThat(gate.inFlight()).isZero();
        assertThat(gate.queued()).isZero();
    }

    @Test
    void aWaiterAdmittedInTimeIsNotFailedByItsQueueTimeoutLater() {
        AdmissionGate gate = gate(1, 5);
        List<Work> w = submit(gate, "a", "b");
        time.advanceTimeBy(QUEUE_TIMEOUT.dividedBy(2));
        w.get(0).finish();

        time.advanceTimeBy(QUEUE_TIMEOUT.multipliedBy(2));

        assertThat(started).containsExactly("a", "b");
        assertThat(w.get(1).error).isNull();
        assertThat(gate.queueTimeouts.sum()).isZero();
        w.get(1).finish();
        assertThat(w.get(1).completed).isTrue();
    }

    @Test
    void aUnitThatCompletesAfterItsSubscriberCancelledOnTheValueReleasesItsPermitOnce() {
        AdmissionGate gate = gate(1, 5);

        // blockFirst cancels on the value; Mono.fromCallable still sends onComplete afterwards
        gate.admit(Mono.fromCallable(() -> "x")).flux().blockFirst();
        gate.admit(Mono.fromCallable(() -> "x").flux()).blockFirst();

        assertThat(gate.inFlight()).isZero();
        submit(gate, "a", "b");
        assertThat(started).containsExactly("a");
    }

    @ParameterizedTest(name = "limit {0} x {1} = {2}")
    @CsvSource({"4, 1.0, 4", "4, 0.5, 2", "5, 0.5, 2", "3, 0.25, 1", "1, 0.5, 1", "4, 0.0, 1", "4, -1, 1", "4, 2.0, 4"})
    void yieldFactorScalesTheLimitButNeverBelowOne(int limit, double factor, int expected) {
        AdmissionGate gate = gate(limit, 5);

        gate.yieldFactor(factor);

        assertThat(gate.effectiveLimit()).isEqualTo(expected);
    }

    @Test
    void yieldingHoldsWorkBackAndRaisingTheFactorAgainAdmitsTheWaiters() {
        AdmissionGate gate = gate(4, 5);
        gate.yieldFactor(0.5);

        submit(gate, "a", "b", "c", "d");
        assertThat(started).containsExactly("a", "b");
        assertThat(gate.queued()).isEqualTo(2);

        gate.yieldFactor(1.0);

        assertThat(started).containsExactly("a", "b", "c", "d");
        assertThat(gate.queued()).isZero();
    }

    @Test
    void capacityLentByOtherLanesRaisesTheLimitAndYieldingShrinksBoth() {
        AdmissionGate gate = gate(4, 5);
        AtomicInteger lendable = new AtomicInteger(2);
        gate.borrowable(lendable::get);
        assertThat(gate.effectiveLimit()).isEqualTo(6);
        gate.yieldFactor(0.5);
        assertThat(gate.effectiveLimit()).isEqualTo(3); // (4 + 2) x 0.5: a yielding lane borrows less too
        lendable.set(-3); // nothing to lend is never a debt
        assertThat(gate.effectiveLimit()).isEqualTo(2);

        lendable.set(2);
        submit(gate, "a", "b", "c", "d", "e");

        assertThat(started).containsExactly("a", "b", "c");
        assertThat(gate.queued()).isEqualTo(2);
    }

    @Test
    void aWaiterWhoseQueueTimeoutRacesItsAdmissionEitherRunsOrTimesOutNeverBoth() {
        for (int round = 0; round < 2_000; round++) {
            AdmissionGate gate = gate(1, 5);
            List<Work> w = submit(gate, "a" + round, "b" + round);
            Work waiter = w.get(1);

            RaceTestUtils.race(() -> time.advanceTimeBy(QUEUE_TIMEOUT), w.get(0)::finish);

            boolean ran = started.contains(waiter.name);
            assertThat(waiter.error != null).as("timed out in round %d", round).isNotEqualTo(ran);
            assertThat(gate.inFlight()).as("in flight in round %d", round).isEqualTo(ran ? 1 : 0);
            waiter.finish();
            assertThat(gate.inFlight()).isZero();
        }
    }

    @Test
    void givesALatencyVerdictOnlyOnEnoughSamplesOrAfterEnoughTicks() {
        AdmissionGate gate = gate(4, 8);
        for (int i = 0; i < 10; i++) {
            gate.admit(Mono.just("x")).block();
        }
        assertThat(gate.latencyVerdict(Duration.ofSeconds(1).toNanos())).as("10 samples, first tick: undecided").isZero();
        for (int tick = 2; tick < AdmissionGate.VERDICT_MAX_TICKS; tick++) {
            assertThat(gate.latencyVerdict(Duration.ofSeconds(1).toNanos())).isZero();
        }
        assertThat(gate.latencyVerdict(Duration.ofSeconds(1).toNanos())).as("enough ticks: met").isEqualTo(-1);
        for (int i = 0; i < AdmissionGate.VERDICT_MIN_SAMPLES; i++) {
            gate.admit(Mono.just("x")).block();
        }
        assertThat(gate.latencyVerdict(0)).as("enough samples: a target of 0 is missed").isEqualTo(1);
        assertThat(gate.latencyVerdict(0)).as("a new period starts empty").isZero();
        for (int tick = 2; tick < AdmissionGate.VERDICT_MAX_TICKS; tick++) {
            gate.latencyVerdict(0);
        }
        gate.admit(Mono.just("x")).block();
        assertThat(gate.latencyVerdict(0)).as("a single outlier is no miss").isEqualTo(-1);
    }

    @Test
    void neverAdmitsMoreThanItsLimitAndLosesNoPermitUnderConcurrentAdmitCancelAndComplete() {
        int limit = 2;
        AdmissionGate gate = new AdmissionGate(LANE, new FixedLimit(limit), 1_000, Duration.ofHours(1), time, () -> POOL);
        AtomicInteger outOfBounds = new AtomicInteger();
        for (int round = 0; round < 5_000; round++) {
            List<Sinks.One<String>> ends = new ArrayList<>();
            Disposable[] subscriptions = new Disposable[4];
            Runnable[] admit = new Runnable[subscriptions.length];
            for (int i = 0; i < admit.length; i++) {
                Sinks.One<String> end = Sinks.one();
                ends.add(end);
                Mono<String> unit = Mono.defer(() -> {
                    int inFlight = gate.inFlight();
                    if (inFlight < 1 || inFlight > limit) {
                        outOfBounds.incrementAndGet();
                    }
                    return end.asMono();
                });
                int n = i;
                admit[i] = () -> subscriptions[n] = gate.admit(unit).subscribe(v -> { }, e -> { });
            }
            RaceTestUtils.race(admit);
            RaceTestUtils.race(
                    () -> subscriptions[0].dispose(),
                    () -> ends.get(1).tryEmitValue("done"),
                    () -> subscriptions[2].dispose(),
                    () -> ends.get(3).tryEmitError(new IllegalStateException("failed")),
                    () -> ends.get(0).tryEmitValue("late"));
            for (Disposable d : subscriptions) {
                d.dispose();
            }

            assertThat(gate.inFlight()).as("in flight after round %d", round).isZero();
            assertThat(gate.queued()).as("queued after round %d", round).isZero();
        }
        assertThat(outOfBounds).hasValue(0);
    }
}
