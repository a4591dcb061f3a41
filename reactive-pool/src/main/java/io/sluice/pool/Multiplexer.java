package io.sluice.pool;

import io.r2dbc.spi.Connection;
import io.sluice.ConnectionUnavailableException;
import io.sluice.Lane;
import io.sluice.LaneClosedException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;

/**
 * A multiplexed lane's shared connections: up to {@code connections} server connections, each carrying up to
 * {@code perConnection} pipelined statements. A statement takes the least busy connection with a free slot;
 * a further connection is opened (in the background) while every open one is busy, up to the limit; when
 * every slot is taken, callers wait in order, for at most the lane's acquire timeout. A connection that
 * breaks fails the statements in flight on it (a connection-lost error, retried where safe) and is replaced
 * by the next acquire.
 */
final class Multiplexer {

    private static final reactor.util.Logger LOG = reactor.util.Loggers.getLogger(Multiplexer.class);

    private final Lane lane;
    private final int connections;
    private final int perConnection;
    private final Duration acquireTimeout;
    private final Scheduler scheduler;
    private final Supplier<Mono<PipelinedConnection>> opener;
    /** Guarded by this. */
    private final List<PipelinedConnection> open = new ArrayList<>();
    /** Guarded by this. */
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private int opening;        // guarded by this
    private boolean closed;     // guarded by this
    private volatile @Nullable Throwable lastOpenFailure;
    /** Broken shared connections dropped (each is replaced on demand). */
    final java.util.concurrent.atomic.LongAdder broken = new java.util.concurrent.atomic.LongAdder();

    Multiplexer(Lane lane, int connections, int perConnection, Duration acquireTimeout, Scheduler scheduler,
                Supplier<Mono<PipelinedConnection>> opener) {
        this.lane = lane;
        this.connections = connections;
        this.perConnection = perConnection;
        this.acquireTimeout = acquireTimeout;
        this.scheduler = scheduler;
        this.opener = opener;
    }

    private static final class Waiter {
        final MonoSink<Connection> sink;
        @Nullable Disposable timer;

        Waiter(MonoSink<Connection> sink) {
            this.sink = sink;
        }
    }

    /** A statement slot on a shared connection. Cold; fails with {@link ConnectionUnavailableException} when none frees in time. */
    Mono<Connection> acquire() {
        return Mono.<Connection>create(sink -> {
            PipelinedConnection c;
            boolean openOne;
            synchronized (this) {
                if (closed) {
                    sink.error(new LaneClosedException(lane));
                    return;
                }
                prune();
                c = leastBusy();
                openOne = open.size() + opening < connections && (c == null || c.reserved > 0);
                if (openOne) {
                    opening++;
                }
                if (c != null) {
                    c.reserved++;
                } else {
                    Waiter w = new Waiter(sink);
                    waiters.add(w);
                    sink.onCancel(() -> forget(w));
                    w.timer = scheduler.schedule(() -> {
                        if (forget(w)) {
                            w.sink.error(timedOut());
                        }
                    }, acquireTimeout.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
                }
            }
            if (openOne) {
                openOne();
            }
            if (c != null) {
                sink.success(new SharedLease(c, this));
            }
        }).doOnDiscard(SharedLease.class, l -> l.release().subscribe());   // a lease that arrives after cancel
    }

    private ConnectionUnavailableException timedOut() {
        Throwable cause = lastOpenFailure;
        return new ConnectionUnavailableException("[lane " + lane.name() + "] no statement slot on the lane's " + connections
                + " shared connections within " + acquireTimeout.toMillis() + " ms (" + perConnection + " statements in flight "
                + "on each" + (cause == null ? "" : "; the last attempt to open one failed: " + cause) + "). Raise multiplexed("
                + "connections, perConnection), or lower the lane's admission limit so that callers are told 'busy' at once",
                lane, null, acquireTimeout, null, cause);
    }

    private synchronized boolean forget(Waiter w) {
        boolean removed = waiters.remove(w);
        if (removed && w.timer != null) {
            w.timer.dispose();
        }
        return removed;
    }

    /**
     * Guarded by this: drops broken connections (their leases release harmlessly). They are closed on another
     * thread: closing fails their exchanges, whose ends take this lock.
     */
    private void prune() {
        open.removeIf(c -> {
            if (c.isBroken()) {
                LOG.info("[lane {}] shared connection {} is broken; it is replaced", lane.name(), c);
                broken.increment();
                c.close().subscribeOn(scheduler).subscribe();
                return true;
            }
            return false;
        });
    }

    /** Guarded by this. */
    private @Nullable PipelinedConnection leastBusy() {
        PipelinedConnection best = null;
        for (PipelinedConnection c : open) {
            if (c.reserved < perConnection && (best == null || c.reserved < best.reserved)) {
                best = c;
            }
        }
        return best;
    }

    private void openOne() {
        opener.get().subscribe(c -> {
            List<Waiter> served = new ArrayList<>();
            boolean close;
            synchronized (this) {
                opening--;
                close = closed;
                if (!close) {
                    open.add(c);
                    while (!waiters.isEmpty() && c.reserved < perConnection) {
                        served.add(waiters.poll());
                        c.reserved++;
                    }
                }
            }
            if (close) {
                c.close().subscribe();
            }
            for (Waiter w : served) {
                if (w.timer != null) {
                    w.timer.dispose();
                }
                w.sink.success(new SharedLease(c, this));
            }
        }, e -> {
            lastOpenFailure = e;
            List<Waiter> failed = new ArrayList<>();
            synchronized (this) {
                opening--;
                prune();
                if (open.isEmpty() && opening == 0) {
                    failed.addAll(waiters);
                    waiters.clear();
                }
            }
            LOG.warn("[lane {}] could not open a shared connection: {}", lane.name(), e.toString());
            for (Waiter w : failed) {
                if (w.timer != null) {
                    w.timer.dispose();
                }
                w.sink.error(new ConnectionUnavailableException("[lane " + lane.name() + "] could not open a shared connection: "
                        + e.getMessage(), lane, null, null, null, e));
            }
        });
    }

    /** A slot of {@code c} is free again: the next waiter takes it, or a replacement is opened for a broken connection. */
    void free(PipelinedConnection c) {
        Waiter next = null;
        PipelinedConnection to = null;
        boolean openOne = false;
        synchronized (this) {
            c.reserved--;
            if (waiters.isEmpty()) {
                return;
            }
            prune();
            to = leastBusy();
            if (to != null) {
                to.reserved++;
                next = waiters.poll();
            } else if (!closed && open.size() + opening < connections) {
                opening++;
                openOne = true;
            }
        }
        if (openOne) {
            openOne();
        }
        if (next != null) {
            if (next.timer != null) {
                next.timer.dispose();
            }
            next.sink.success(new SharedLease(to, this));
        }
    }

    /** Statement slots held now, over all shared connections. */
    synchronized int inUse() {
        int n = 0;
        for (PipelinedConnection c : open) {
            n += c.reserved;
        }
        return n;
    }

    /** Shared connections open now. */
    synchronized int size() {
        return open.size();
    }

    /** Closes every shared connection; waiters fail with {@link LaneClosedException}. */
    Mono<Void> close() {
        List<PipelinedConnection> all;
        List<Waiter> failed;
        synchronized (this) {
            closed = true;
            all = new ArrayList<>(open);
            open.clear();
            failed = new ArrayList<>(waiters);
            waiters.clear();
        }
        failed.forEach(w -> w.sink.error(new LaneClosedException(lane)));
        return Mono.when(all.stream().map(PipelinedConnection::close).toList());
    }
}
