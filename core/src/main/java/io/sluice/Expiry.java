package io.sluice;

import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.core.scheduler.Schedulers;

/**
 * The client-side time limit of a unit of work (its client timeout or deadline), as one operator over a
 * shared, coarse clock instead of a timer per unit. Reactor's {@code timeout} schedules a task on a
 * parallel worker for every unit and cancels it on completion: a locked queue insert and removal, and
 * often a wake-up of the worker, for a limit that is almost never reached. Here a unit joins a queue
 * (one lock-free insert) and a sweep every {@value #TICK_MILLIS} ms fails the overdue ones and drops the
 * finished ones, so a limit is honoured within one tick.
 */
final class Expiry {

    static final long TICK_MILLIS = 10;
    private static final ConcurrentLinkedQueue<Watch<?>> WATCHED = new ConcurrentLinkedQueue<>();
    private static final AtomicInteger SIZE = new AtomicInteger();
    private static volatile Disposable sweeper;

    private Expiry() {
    }

    /** {@code work}, failed with {@code onExpiry}'s error (and cancelled) when it has not ended within {@code limitNanos}. */
    static <T> Mono<T> within(Mono<T> work, long limitNanos, Supplier<? extends Throwable> onExpiry) {
        return new Mono<T>() {
            @Override
            public void subscribe(CoreSubscriber<? super T> actual) {
                Watch<T> w = new Watch<>(actual, System.nanoTime() + limitNanos, onExpiry);
                startSweeping();
                SIZE.incrementAndGet();
                WATCHED.add(w);
                work.subscribe(w);
            }
        };
    }

    private static void startSweeping() {
        if (sweeper == null) {
            synchronized (Expiry.class) {
                if (sweeper == null) {
                    sweeper = Schedulers.parallel().schedulePeriodically(Expiry::sweep, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
                }
            }
        }
    }

    private static void sweep() {
        if (SIZE.get() == 0) {
            return;
        }
        long now = System.nanoTime();
        for (Iterator<Watch<?>> it = WATCHED.iterator(); it.hasNext(); ) {
            Watch<?> w = it.next();
            if (w.done != 0) {
                it.remove();
                SIZE.decrementAndGet();
            } else if (now - w.expiresAt >= 0) {
                it.remove();
                SIZE.decrementAndGet();
                w.expire();
            }
        }
    }

    /**
     * One unit under watch: forwards its signals until it ends or its time is up, whichever comes first.
     * State: 0 running, 2 its value delivered (its completion follows), 1 ended.
     */
    private static final class Watch<T> extends io.sluice.internal.Relay<T> {
        private static final long serialVersionUID = 1L;
        private final long expiresAt;
        private final Supplier<? extends Throwable> onExpiry;
        /** Nonzero once it ended (read by the sweep without the CAS of {@code get()}). */
        volatile int done;

        Watch(CoreSubscriber<? super T> actual, long expiresAt, Supplier<? extends Throwable> onExpiry) {
            super(actual);
            this.expiresAt = expiresAt;
            this.onExpiry = onExpiry;
        }

        private boolean end() {
            if (compareAndSet(0, 1)) {
                done = 1;
                return true;
            }
            return false;
        }

        @Override
        public void onNext(T t) {
            // a Mono's value ends the race with the clock: what follows is its completion
            if (compareAndSet(0, 2)) {
                done = 1;
                actual.onNext(t);
            }
        }

        @Override
        public void onError(Throwable e) {
            if (end()) {
                actual.onError(e);
            } else {
                Operators.onErrorDropped(e, actual.currentContext());
            }
        }

        @Override
        public void onComplete() {
            if (end() || compareAndSet(2, 1)) {
                actual.onComplete();
            }
        }

        void expire() {
            if (end()) {
                upstream.cancel();
                actual.onError(onExpiry.get());
            }
        }

        @Override
        public void cancel() {
            end();
            upstream.cancel();
        }
    }
}
