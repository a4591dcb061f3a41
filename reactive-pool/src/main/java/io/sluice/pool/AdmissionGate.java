package io.sluice.pool;

import io.sluice.ConnectionUnavailableException;
import io.sluice.FailureKind;
import io.sluice.Failures;
import io.sluice.Lane;
import io.sluice.LaneOverloadedException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;

/**
 * A lane's admission gate: at most {@code limit} units of work in flight and at most {@code maxQueue}
 * waiting; the next one is rejected at once with {@link LaneOverloadedException}. Nothing blocks a
 * thread: a rejection is a few field reads under a short lock. A waiter that is not admitted within the
 * queue timeout fails with {@link ConnectionUnavailableException}.
 *
 * <p>The limit is {@link Limit#limit()} (fixed or adaptive), times the lane's yield factor (lowered
 * while a higher-priority lane misses its latency target), plus what other lanes lend it right now.
 */
final class AdmissionGate {

    private static final int LATENCY_WINDOW = 512;

    private final Lane lane;
    private final Limit limit;
    private final int maxQueue;
    private final Duration queueTimeout;
    private final Scheduler scheduler;
    private final ArrayDeque<Waiter> queue = new ArrayDeque<>();
    /** Written under this gate's lock; read without it (other gates' limits read it: no lock ordering to get wrong). */
    private volatile int inFlight;
    private volatile double yieldFactor = 1.0;
    private volatile IntSupplier borrowable = () -> 0;
    private final Disposable sweeper;
    private volatile Runnable afterRelease = () -> { };
    /** Told of every finished unit: its latency (queueing included) and its failure, or null. */
    private volatile java.util.function.BiConsumer<Long, FailureKind> finished = (nanos, failure) -> { };
    private final java.util.function.Supplier<io.sluice.PoolSnapshot> pool;

    private final long[] latencies = new long[LATENCY_WINDOW];
    private int latencyCount;

    final LongAdder admitted = new LongAdder();
    final LongAdder rejected = new LongAdder();
    final LongAdder queueTimeouts = new LongAdder();

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

    /** A granted admission. */
    private record Permit(long startNanos, long requestedNanos, int inFlightAtStart) {
    }

    private static final int PENDING = 0;
    private static final int GRANTED = 1;
    private static final int GONE = 2;

    private final class Waiter {
        final MonoSink<Permit> sink;
        final long requestedNanos = System.nanoTime();
        /** When it stops waiting, on the scheduler's clock. */
        long expiresAt;
        final AtomicInteger state = new AtomicInteger(PENDING);

        Waiter(MonoSink<Permit> sink) {
            this.sink = sink;
        }
    }

    /*
     * usingWhen, not acquire().flatMap(...) with doOnEach/doOnCancel: it gives the permit back exactly once
     * (a subscriber that cancels on the value may still see the unit complete, which released twice), and
     * it cancels a unit that subscribes after the cancel (Mono.flatMap can lose a cancel that races with
     * its inner subscription, which leaked the permit).
     */
    <T> Mono<T> admit(Mono<T> unit) {
        return Mono.usingWhen(acquire(), p -> unit, p -> giveBack(p, null), (p, e) -> giveBack(p, e), p -> giveBack(p, null));
    }

    <T> Flux<T> admit(Flux<T> unit) {
        return Flux.usingWhen(acquire(), p -> unit, p -> giveBack(p, null), (p, e) -> giveBack(p, e), p -> giveBack(p, null));
    }

    private Mono<Void> giveBack(Permit p, @Nullable Throwable error) {
        return Mono.fromRunnable(() -> release(p, error == null ? null : Failures.classify(error)));
    }

    int effectiveLimit() {
        // a lane that yields to a more important one borrows less too: borrowed connections load the same server
        return Math.max(1, (int) Math.floor((limit.limit() + Math.max(0, borrowable.getAsInt())) * yieldFactor));
    }

    private Mono<Permit> acquire() {
        return Mono.create(sink -> {
            Waiter w = new Waiter(sink);
            Permit granted = null;
            synchronized (this) {
                if (queue.isEmpty() && inFlight < effectiveLimit()) {
                    inFlight++;
                    admitted.increment();
                    long now = System.nanoTime();
                    granted = new Permit(now, now, inFlight);
                    w.state.set(GRANTED);
                } else if (queue.size() >= maxQueue) {
                    rejected.increment();
                    sink.error(new LaneOverloadedException(lane, effectiveLimit(), inFlight, queue.size(), maxQueue));
                    return;
                } else {
                    w.expiresAt = scheduler.now(java.util.concurrent.TimeUnit.NANOSECONDS) + queueTimeout.toNanos();
                    queue.addLast(w);
                }
            }
            // before the permit is handed over: a cancel that beats the hand-over gives it back
            sink.onCancel(() -> leave(w));
            if (granted != null) {
                sink.success(granted);
            }
        });
    }

    /**
     * Fails the waiters whose time is up. One periodic sweep per gate instead of a timer per waiter (a timer
     * each would cost more than the admission itself); the queue is FIFO, so the expired are at its head.
     */
    private void sweep() {
        long now = scheduler.now(java.util.concurrent.TimeUnit.NANOSECONDS);
        while (true) {
            Waiter w;
            synchronized (this) {
                w = queue.peekFirst();
                if (w == null || w.expiresAt - now > 0) {
                    return;
                }
            }
            timeout(w);
        }
    }

    /** Stops the periodic sweep; waiters still queued then wait for admission or their cancel. */
    void close() {
        sweeper.dispose();
    }

    private void timeout(Waiter w) {
        if (!w.state.compareAndSet(PENDING, GONE)) {
            synchronized (this) {
                queue.remove(w); // admitted or cancelled meanwhile; never left at the head
            }
            return;
        }
        synchronized (this) {
            queue.remove(w);
        }
        queueTimeouts.increment();
        io.sluice.PoolSnapshot s = pool.get();
        w.sink.error(new io.sluice.AdmissionTimeoutException("[lane " + lane.name() + "] no connection available after "
                + queueTimeout.toMillis() + " ms (acquireTimeout=" + queueTimeout.toMillis() + " ms): "
                + inFlight() + " in flight (admission limit " + effectiveLimit() + "), " + queued()
                + " waiting; pool: " + s + ". The lane is saturated: raise maxSize or acquireTimeout, "
                + "shorten the work, or shed load", lane, queueTimeout, s));
    }

    /**
     * A waiter's subscriber cancelled. The sink calls this only when the cancel came before the permit was
     * handed over (after that, the unit's own cancel gives it back), so a permit granted meanwhile goes back.
     */
    private void leave(Waiter w) {
        if (w.state.compareAndSet(PENDING, GONE)) {
            synchronized (this) {
                queue.remove(w);
            }
        } else if (w.state.compareAndSet(GRANTED, GONE)) {
            release(new Permit(System.nanoTime(), w.requestedNanos, 0), null);
        }
    }

    private void release(Permit p, FailureKind failure) {
        long now = System.nanoTime();
        boolean dropped = failure == FailureKind.CONNECTION_UNAVAILABLE || failure == FailureKind.QUERY_TIMEOUT
                || failure == FailureKind.DEADLINE_EXCEEDED;
        if (p.inFlightAtStart() > 0) {
            limit.onSample(now - p.startNanos(), p.inFlightAtStart(), dropped);
            recordLatency(now - p.requestedNanos());
            finished.accept(now - p.requestedNanos(), failure);
        }
        synchronized (this) {
            inFlight--;
        }
        drain();
        afterRelease.run();
    }

    void onFinished(java.util.function.BiConsumer<Long, FailureKind> listener) {
        this.finished = listener;
    }

    /** Called after every release, e.g. to let a borrowing lane use capacity this lane no longer needs. */
    void afterRelease(Runnable hook) {
        this.afterRelease = hook;
    }

    /** Admits waiters while the effective limit allows; called when the limit may have risen. */
    void drain() {
        while (true) {
            Waiter next;
            Permit permit;
            synchronized (this) {
                if (queue.isEmpty() || inFlight >= effectiveLimit()) {
                    return;
                }
                next = queue.pollFirst();
                inFlight++;
                admitted.increment();
                permit = new Permit(System.nanoTime(), next.requestedNanos, inFlight);
            }
            if (next.state.compareAndSet(PENDING, GRANTED)) {
                // stays GRANTED: if the subscriber cancelled first, the sink drops the permit and leave() gives it back
                next.sink.success(permit);
            } else {
                synchronized (this) {
                    inFlight--;
                }
            }
        }
    }

    private synchronized void recordLatency(long nanos) {
        latencies[latencyCount++ % LATENCY_WINDOW] = nanos;
    }

    /**
     * The given percentile (0-100) of the latency (queueing included) of the units completed since the
     * last call, and starts a new period; -1 when none completed.
     */
    synchronized long takeLatencyPercentile(double percentile) {
        int n = Math.min(latencyCount, LATENCY_WINDOW);
        latencyCount = 0;
        if (n == 0) {
            return -1;
        }
        long[] copy = Arrays.copyOf(latencies, n);
        Arrays.sort(copy);
        return copy[Math.max(0, Math.min(n - 1, (int) Math.ceil(percentile / 100.0 * n) - 1))];
    }

    int inFlight() {
        return inFlight;
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

    void borrowable(IntSupplier supplier) {
        this.borrowable = supplier;
    }

    Limit limitAlgorithm() {
        return limit;
    }
}
