package io.sluice.pool;

import io.sluice.ConnectionUnavailableException;
import io.sluice.FailureKind;
import io.sluice.internal.Failures;
import io.sluice.Lane;
import io.sluice.LaneOverloadedException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.scheduler.Scheduler;

/**
 * A lane's admission gate: at most {@code limit} units of work in flight and at most {@code maxQueue}
 * waiting; the next one is rejected at once with {@link LaneOverloadedException}. Nothing blocks a
 * thread: a rejection is a few field reads under a short lock, and an admission one operator. A waiter that is not admitted within the
 * queue timeout fails with {@link ConnectionUnavailableException}.
 *
 * <p>The limit is {@link Limit#limit()} (fixed or adaptive), times the lane's yield factor (lowered
 * while a higher-priority lane misses its latency target), plus what other lanes lend it right now.
 */
final class AdmissionGate {

    private static final int LATENCY_WINDOW = 512;

    private final Lane lane;
    private final Limit limit;
    private volatile int maxQueue;
    /** Drained by an operator: rejects new work at once until resumed. */
    private volatile boolean paused;
    private final Duration queueTimeout;
    private final Scheduler scheduler;
    private final ArrayDeque<Unit<?>> queue = new ArrayDeque<>();
    /** Written under this gate's lock; read without it (other gates' limits read it: no lock ordering to get wrong). */
    private volatile int inFlight;
    private volatile double yieldFactor = 1.0;
    private volatile IntSupplier borrowable = () -> 0;
    private final Disposable sweeper;
    private volatile Runnable afterRelease = () -> { };
    /** Told of every attempt that ends here, admitted or not: see {@link Finished}. */
    private volatile Finished finished = (nanos, outcome, context) -> { };
    private final java.util.function.Supplier<io.sluice.PoolSnapshot> pool;

    private final long[] latencies = new long[LATENCY_WINDOW];
    private int latencyCount;

    /** Recent admission waits, for the p95 wait that health and alerts read. */
    final WaitRing waits = new WaitRing();

    final LongAdder admitted = new LongAdder();
    final LongAdder rejected = new LongAdder();
    final LongAdder queueTimeouts = new LongAdder();
    /** Waiters whose own deadline passed in the queue. */
    final LongAdder deadlineExpired = new LongAdder();
    /** Of {@link #rejected}: those rejected because their predicted wait exceeded what they could wait. */
    final LongAdder predictedRejected = new LongAdder();

    /**
     * Recent time a unit holds its permit (admission to release), an exponentially weighted mean over about
     * the last 16 units; 0 until the first one ended. Updated without a lock: a lost update only ages the mean
     * a little, and it is an estimate anyway.
     */
    private volatile long serviceNanos;
    /** When a unit was last admitted, on the scheduler's clock: the permits in flight have run since at least then. */
    private volatile long lastAdmitted;
    /** Whether a waiter whose predicted wait exceeds its budget is rejected at once instead of queued. */
    private volatile boolean predictive = true;

    AdmissionGate(Lane lane, Limit limit, int maxQueue, Duration queueTimeout, Scheduler scheduler,
                  java.util.function.Supplier<io.sluice.PoolSnapshot> pool) {
        this.pool = pool;
        this.lane = lane;
        this.limit = limit;
        this.maxQueue = maxQueue;
        this.queueTimeout = queueTimeout;
        this.scheduler = scheduler;
        long period = Math.max(1_000_000L, Math.min(50_000_000L, queueTimeout.toNanos() / 4));
        this.sweeper = scheduler.schedulePeriodically(this::sweep, period, period, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /** Context key: how long a unit waited in the queue before it was admitted (nanos), when it waited. */
    private static final String WAITED = "sluice.admission.waited";

    /** How long the unit whose context this is waited for admission; 0 when it did not wait. */
    static long waitedNanos(reactor.util.context.ContextView context) {
        Object w = context.getOrDefault(WAITED, null);
        return w instanceof Long n ? n : 0L;
    }

    private static final int PENDING = 0;
    private static final int GRANTED = 1;
    private static final int DONE = 2;
    /** Being subscribed: a cancel now is only noted, so the permit stays held until the subscribe returned. */
    private static final int STARTING = 3;
    private static final int RUNNING = 4;
    private static final int CANCEL_PENDING = 5;

    /**
     * Admits {@code unit}: now, after a wait in the queue, or a rejection. The unit runs once admitted and
     * its permit goes back exactly once, on complete, error or cancel, before the signal travels on. One
     * operator (the gate's own subscriber between the unit and its caller) instead of a usingWhen over a
     * sink: this runs for every unit of work.
     */
    <T> Mono<T> admit(Mono<T> unit) {
        return new Mono<T>() {
            @Override
            public void subscribe(CoreSubscriber<? super T> actual) {
                enter(new Unit<>(actual, unit, true));
            }
        };
    }

    <T> Flux<T> admit(Flux<T> unit) {
        return new Flux<T>() {
            @Override
            public void subscribe(CoreSubscriber<? super T> actual) {
                enter(new Unit<>(actual, unit, false));
            }
        };
    }

    private void enter(Unit<?> u) {
        u.actual.onSubscribe(u);
        LaneOverloadedException rejection = null;
        synchronized (this) {
            if (u.state.get() != PENDING) {
                return;                                 // cancelled in onSubscribe
            }
            if (paused) {
                u.state.set(DONE);
                rejected.increment();
                rejection = new io.sluice.LaneDrainingException(lane, effectiveLimit(), inFlight, queue.size(), maxQueue);
            } else if (queue.isEmpty() && inFlight < effectiveLimit()) {
                u.state.set(GRANTED);
                inFlight++;
                admitted.increment();
                u.startNanos = System.nanoTime();
                u.inFlightAtStart = inFlight;
                lastAdmitted = scheduler.now(java.util.concurrent.TimeUnit.NANOSECONDS);
                waits.record(u.startNanos, 0);
            } else if (queue.size() >= maxQueue) {
                u.state.set(DONE);
                rejected.increment();
                rejection = new LaneOverloadedException(lane, effectiveLimit(), inFlight, queue.size(), maxQueue);
            } else {
                long wait = queueTimeout.toNanos();
                io.sluice.Deadline deadline = io.sluice.Deadline.from(u.actual.currentContext());
                if (deadline != null) {
                    long left = deadline.timeLeft().toNanos();
                    if (left < wait) {
                        // the caller's deadline ends the wait first: it fails as a deadline, not a busy lane
                        wait = Math.max(0, left);
                        u.deadline = deadline;
                    }
                }
                long now = scheduler.now(java.util.concurrent.TimeUnit.NANOSECONDS);
                long predicted = predictedWait(queue.size() + 1);
                if (predictive && predicted > wait && standing(now)) {
                    // it would wait out its budget and fail anyway: say so now, in microseconds, not after the wait
                    u.state.set(DONE);
                    rejected.increment();
                    predictedRejected.increment();
                    rejection = new LaneOverloadedException(lane, effectiveLimit(), inFlight, queue.size(), maxQueue,
                            Duration.ofNanos(predicted), Duration.ofNanos(wait), u.deadline != null);
                } else {
                    u.queuedAt = now;
                    u.expiresAt = now + wait;
                    queue.addLast(u);
                    return;
                }
            }
        }
        if (rejection != null) {
            u.refused(rejection);
        } else {
            u.start();
        }
    }

    /**
     * One unit of work at the gate: a waiter while queued, then the subscriber between the unit and its
     * caller. Its state goes PENDING, then GRANTED (admitted) or DONE (rejected, timed out, cancelled
     * while waiting); GRANTED, STARTING (being subscribed), RUNNING and CANCEL_PENDING (cancelled while
     * being subscribed) end in DONE exactly once: that transition gives the permit back.
     */
    private final class Unit<T> extends Operators.DeferredSubscription implements CoreSubscriber<T> {
        final CoreSubscriber<? super T> actual;
        final Publisher<? extends T> source;
        final long requestedNanos = System.nanoTime();
        final AtomicInteger state = new AtomicInteger(PENDING);
        /** When it stops waiting, and when it began to, on the scheduler's clock. */
        long expiresAt;
        long queuedAt;
        /** Set when the caller's deadline, not the queue timeout, ends its wait. */
        io.sluice.@Nullable Deadline deadline;
        long startNanos;
        int inFlightAtStart;
        /** The caller's context, with how long this unit waited in the queue when it did. */
        @Nullable Context context;
        /** A Mono's unit: its value is its result, so a cancel after it (block(), next()) is not a cancelled unit. */
        final boolean mono;
        /** Written and read by the subscriber that received the value and then cancelled: no fence needed. */
        boolean valued;

        Unit(CoreSubscriber<? super T> actual, Publisher<? extends T> source, boolean mono) {
            this.actual = actual;
            this.source = source;
            this.mono = mono;
        }

        /** The outcome of a unit the caller cancelled: a Mono's whose value was delivered succeeded. */
        int cancelledOutcome() {
            return mono && valued ? LaneMeters.SUCCESS : LaneMeters.CANCELLED;
        }

        /**
         * Admitted: subscribe the unit, unless the caller cancelled meanwhile (its cancel gave the permit
         * back). A cancel during the subscribe is only noted, and the permit goes back once the subscribe
         * returned: the unit never runs (its subscribe-time work included) without one.
         */
        void start() {
            if (!state.compareAndSet(GRANTED, STARTING)) {
                return;
            }
            source.subscribe(this);
            if (!state.compareAndSet(STARTING, RUNNING) && state.compareAndSet(CANCEL_PENDING, DONE)) {
                release(this, null, cancelledOutcome(), true);
            }
        }

        /** Ends a running unit: 1 when this call ended it, 2 when it ended it after the caller had cancelled, 0 when it had ended already. */
        private int end() {
            while (true) {
                int st = state.get();
                if (st == STARTING || st == RUNNING || st == CANCEL_PENDING) {
                    if (state.compareAndSet(st, DONE)) {
                        return st == CANCEL_PENDING ? 2 : 1;
                    }
                } else {
                    return 0;
                }
            }
        }

        /** Rejected or timed out in the queue; never ran. */
        void refused(Throwable e) {
            report(this, LaneMeters.outcome(Failures.classify(e)));
            actual.onError(e);
        }

        @Override
        public Context currentContext() {
            Context c = context;
            return c != null ? c : actual.currentContext();
        }

        @Override
        public void onSubscribe(Subscription s) {
            set(s);
        }

        @Override
        public void onNext(T t) {
            valued = true;
            actual.onNext(t);
        }

        @Override
        public void onError(Throwable e) {
            int ended = end();
            if (ended == 0) {
                return;                                    // after the caller's cancel: the unit's failure is nobody's
            }
            FailureKind kind = Failures.classify(e);
            release(this, kind, ended == 1 ? LaneMeters.outcome(kind) : cancelledOutcome(), true);
            if (ended == 1) {
                actual.onError(e);
            }
        }

        @Override
        public void onComplete() {
            int ended = end();
            if (ended == 0) {
                return;
            }
            release(this, null, ended == 1 ? LaneMeters.SUCCESS : cancelledOutcome(), true);
            if (ended == 1) {
                actual.onComplete();
            }
        }

        @Override
        public void cancel() {
            if (state.compareAndSet(PENDING, DONE)) {
                super.cancel();
                synchronized (AdmissionGate.this) {
                    queue.remove(this);
                }
                report(this, LaneMeters.CANCELLED);       // left the queue: a cancelled unit too
            } else if (state.compareAndSet(GRANTED, DONE)) {
                super.cancel();
                release(this, null, LaneMeters.CANCELLED, false);  // admitted, never subscribed
            } else if (state.compareAndSet(STARTING, CANCEL_PENDING)) {
                super.cancel();                            // start() gives the permit back once the subscribe returned
            } else if (state.compareAndSet(RUNNING, DONE)) {
                super.cancel();
                release(this, null, cancelledOutcome(), true);
            } else {
                super.cancel();
            }
        }
    }

    int effectiveLimit() {
        // a lane that yields to a more important one borrows less too: borrowed connections load the same server
        return Math.max(1, (int) Math.floor((limit.limit() + Math.max(0, borrowable.getAsInt())) * yieldFactor));
    }

    /**
     * Fails the waiters whose time is up. One periodic sweep per gate instead of a timer per waiter (a timer
     * each would cost more than the admission itself). A waiter's wait ends at its queue timeout, or at its
     * caller's deadline when that comes first.
     */
    private void sweep() {
        long now = scheduler.now(java.util.concurrent.TimeUnit.NANOSECONDS);
        java.util.List<Unit<?>> expired = new java.util.ArrayList<>(0);
        java.util.List<Hopeless> hopeless;
        synchronized (this) {
            // not only at the head: a deadline can end a wait before those of the waiters ahead of it
            queue.removeIf(w -> w.expiresAt - now <= 0 && expired.add(w));
            hopeless = predictive && standing(now) ? removeHopeless(now) : java.util.List.of();
        }
        for (Unit<?> w : expired) {
            if (w.state.compareAndSet(PENDING, DONE)) {
                if (w.deadline != null) {
                    deadlinePassed(w);
                } else {
                    timeout(w);
                }
            }
        }
        for (Hopeless h : hopeless) {
            shed(h.unit(), h.predicted(), now);
        }
    }

    /** A waiter taken out of the queue by {@link #removeHopeless}, with the wait still predicted for it. */
    private record Hopeless(Unit<?> unit, long predicted) {
    }

    /**
     * Guarded by this; the queue stands. The work slowed since they queued (a saturated machine, a slower
     * server): a waiter whose wait still to come is now predicted to outlast its budget would only wait it
     * out and fail, so it leaves the queue, to be told "busy" now, as it would have been had it arrived now.
     * The permits in flight have run since the last admission at least: the k-th waiter's wait still to come
     * is its predicted wait less that time, never less than k-1 permits' own time.
     */
    private java.util.List<Hopeless> removeHopeless(long now) {
        java.util.List<Hopeless> out = new java.util.ArrayList<>(0);
        long since = now - lastAdmitted;
        int position = 0;
        for (java.util.Iterator<Unit<?>> it = queue.iterator(); it.hasNext(); ) {
            Unit<?> w = it.next();
            long predicted = Math.max(predictedWait(position), predictedWait(position + 1) - since);
            if (predicted > w.expiresAt - now) {
                it.remove();
                out.add(new Hopeless(w, predicted));
            } else {
                position++;
            }
        }
        return out;
    }

    /** Rejects a waiter taken out of the queue because its turn no longer fits its budget. */
    private void shed(Unit<?> w, long predicted, long now) {
        if (w.state.compareAndSet(PENDING, DONE)) {
            rejected.increment();
            predictedRejected.increment();
            w.refused(new LaneOverloadedException(lane, effectiveLimit(), inFlight, queued(), maxQueue,
                    Duration.ofNanos(now - w.queuedAt), Duration.ofNanos(predicted),
                    Duration.ofNanos(w.expiresAt - w.queuedAt), w.deadline != null));
        }
    }

    /** Stops the periodic sweep; waiters still queued then wait for admission or their cancel. */
    void close() {
        sweeper.dispose();
    }

    private void deadlinePassed(Unit<?> w) {
        deadlineExpired.increment();
        Duration over = w.deadline.timeLeft().negated();
        w.refused(new io.sluice.DeadlineExceededException(lane, "while waiting for admission (" + inFlight()
                + " in flight, admission limit " + effectiveLimit() + "); it was not started",
                over.isNegative() ? Duration.ZERO : over, null));
    }

    private void timeout(Unit<?> w) {
        queueTimeouts.increment();
        long now = System.nanoTime();
        waits.record(now, now - w.requestedNanos);   // a wait that ended in a timeout is a wait too
        io.sluice.PoolSnapshot s = pool.get();
        w.refused(new io.sluice.AdmissionTimeoutException("[lane " + lane.name() + "] no connection available after "
                + queueTimeout.toMillis() + " ms (acquireTimeout=" + queueTimeout.toMillis() + " ms): "
                + inFlight() + " in flight (admission limit " + effectiveLimit() + "), " + queued()
                + " waiting; pool: " + s + ". The lane is saturated: raise maxSize or acquireTimeout, "
                + "shorten the work, or shed load", lane, queueTimeout, s));
    }

    /**
     * Gives a unit's permit back; {@code ran}: it was subscribed, so its latency is a sample for the limit.
     * {@code outcome}: a {@link LaneMeters} outcome code (success, cancelled, the application's own error or
     * a failure kind), reported to {@link #onFinished}.
     */
    private void release(Unit<?> u, @Nullable FailureKind failure, int outcome, boolean ran) {
        long now = System.nanoTime();
        if (ran) {
            boolean dropped = failure == FailureKind.CONNECTION_UNAVAILABLE || failure == FailureKind.QUERY_TIMEOUT
                    || failure == FailureKind.DEADLINE_EXCEEDED;
            limit.onSample(now - u.startNanos, u.inFlightAtStart, dropped);
            serviceTime(now - u.startNanos);
            recordLatency(now - u.requestedNanos);
        }
        finished.accept(now - u.requestedNanos, outcome, u.actual.currentContext());
        synchronized (this) {
            inFlight--;
        }
        drain();
        afterRelease.run();
    }

    /** A unit that ended without a permit (rejected, timed out or cancelled while waiting). */
    private void report(Unit<?> u, int outcome) {
        finished.accept(System.nanoTime() - u.requestedNanos, outcome, u.actual.currentContext());
    }

    /** Told of every attempt that ends at this gate, admitted or not. */
    interface Finished {
        /**
         * @param nanos   from its arrival at the gate to its end, waiting included
         * @param outcome a {@link LaneMeters} outcome code
         * @param context the caller's context (its operation name)
         */
        void accept(long nanos, int outcome, reactor.util.context.ContextView context);
    }

    void onFinished(Finished listener) {
        this.finished = listener;
    }

    /** Called after every release, e.g. to let a borrowing lane use capacity this lane no longer needs. */
    void afterRelease(Runnable hook) {
        this.afterRelease = hook;
    }

    /** Admits waiters while the effective limit allows; called when the limit may have risen. */
    void drain() {
        while (true) {
            Unit<?> next;
            synchronized (this) {
                if (queue.isEmpty() || inFlight >= effectiveLimit()) {
                    return;
                }
                next = queue.pollFirst();
                if (!next.state.compareAndSet(PENDING, GRANTED)) {
                    continue;                           // cancelled or timed out meanwhile
                }
                inFlight++;
                admitted.increment();
                next.startNanos = System.nanoTime();
                next.inFlightAtStart = inFlight;
                lastAdmitted = scheduler.now(java.util.concurrent.TimeUnit.NANOSECONDS);
            }
            waits.record(next.startNanos, next.startNanos - next.requestedNanos);
            next.context = next.actual.currentContext().put(WAITED, next.startNanos - next.requestedNanos);
            next.start();
        }
    }

    /** Adds one unit's time with its permit to the recent mean the wait prediction uses. */
    void serviceTime(long nanos) {
        long mean = serviceNanos;
        serviceNanos = mean == 0 ? nanos : mean + ((nanos - mean) >> 4);
    }

    /**
     * How long the {@code position}-th waiter (1 for the head) would wait: the units ahead of it, and
     * itself, each hold one of {@code limit} permits for the recent mean time, so permits free up at
     * {@code limit / mean}. 0 before any unit ended (nothing to predict from).
     */
    long predictedWait(int position) {
        long mean = serviceNanos;
        return mean == 0 ? 0 : position * mean / Math.max(1, effectiveLimit());
    }

    /**
     * Whether the queue is observed to stand, not only predicted to: its head has waited at least half the
     * time one permit is predicted to take to free up. A burst that arrives just after slow work (the mean
     * still remembers it) is queued, not shed, until the waits show the prediction is right; the mean
     * follows the new work within a few dozen units. Caller holds the lock.
     */
    private boolean standing(long now) {
        Unit<?> head = queue.peekFirst();
        return head != null && (now - head.queuedAt) * 2 >= predictedWait(1);
    }

    /** Off: waiters are bounded by count ({@code maxQueue}) and their timeout only. */
    void predictive(boolean on) {
        this.predictive = on;
    }

    private synchronized void recordLatency(long nanos) {
        latencies[latencyCount++ % LATENCY_WINDOW] = nanos;
    }

    /** Samples a latency verdict needs, unless {@link #VERDICT_MAX_TICKS} passed: a p99 of fewer is noise. */
    static final int VERDICT_MIN_SAMPLES = 100;
    static final int VERDICT_MAX_TICKS = 5;
    private int ticksSinceVerdict;

    /**
     * Called once per priority tick: whether this lane's p99 (queueing included) missed {@code target}
     * over the units completed since the last verdict (+1: more than 1% of them, and more than one, took
     * longer), met it (-1), or 0 while too few have completed to tell (fewer than
     * {@link #VERDICT_MIN_SAMPLES}, for at most {@link #VERDICT_MAX_TICKS} ticks).
     */
    synchronized int latencyVerdict(long targetNanos) {
        ticksSinceVerdict++;
        if (Math.min(latencyCount, LATENCY_WINDOW) < VERDICT_MIN_SAMPLES && ticksSinceVerdict < VERDICT_MAX_TICKS) {
            return 0;
        }
        ticksSinceVerdict = 0;
        int n = Math.min(latencyCount, LATENCY_WINDOW);
        latencyCount = 0;
        int over = 0;
        for (int i = 0; i < n; i++) {
            if (latencies[i] > targetNanos) {
                over++;
            }
        }
        // missed: more than 1% over the target (the p99 is above it), and never on a single outlier
        return over > Math.max(1, n / 100) ? 1 : -1;
    }

    int inFlight() {
        return inFlight;
    }

    private long admittedAtLastTick;

    /** Whether this lane had work since the last call: some in flight now, or some admitted meanwhile. */
    synchronized boolean busySinceLastTick() {
        long now = admitted.sum();
        boolean busy = inFlight > 0 || now != admittedAtLastTick;
        admittedAtLastTick = now;
        return busy;
    }

    synchronized int queued() {
        return queue.size();
    }

    int maxQueue() {
        return maxQueue;
    }

    double yieldFactor() {
        return yieldFactor;
    }

    void yieldFactor(double factor) {
        this.yieldFactor = Math.max(0, Math.min(1, factor));
        drain();
    }

    /**
     * Stops admitting (an operator's drain): new work is rejected at once with
     * {@link io.sluice.LaneDrainingException}, and so are the waiters queued now (they would otherwise wait
     * out their timeout for a lane that will not admit them); work in flight runs on.
     */
    void pause() {
        java.util.List<Unit<?>> waiting;
        synchronized (this) {
            paused = true;
            waiting = new java.util.ArrayList<>(queue);
            queue.clear();
        }
        for (Unit<?> w : waiting) {
            if (w.state.compareAndSet(PENDING, DONE)) {
                rejected.increment();
                w.refused(new io.sluice.LaneDrainingException(lane, effectiveLimit(), inFlight, 0, maxQueue));
            }
        }
    }

    /** Admits again after {@link #pause()}. */
    void resume() {
        paused = false;
        drain();
    }

    boolean paused() {
        return paused;
    }

    /** A new queue length; waiters already beyond it stay queued. */
    void maxQueue(int max) {
        this.maxQueue = max;
    }

    void borrowable(IntSupplier supplier) {
        this.borrowable = supplier;
    }

    Limit limitAlgorithm() {
        return limit;
    }
}
