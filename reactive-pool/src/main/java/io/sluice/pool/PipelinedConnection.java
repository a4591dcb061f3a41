package io.sluice.pool;

import io.r2dbc.postgresql.client.Client;
import io.r2dbc.postgresql.codec.Codecs;
import io.r2dbc.postgresql.message.Format;
import io.r2dbc.postgresql.message.backend.RowDescription;
import io.r2dbc.postgresql.message.frontend.Bind;
import io.r2dbc.postgresql.message.frontend.CompositeFrontendMessage;
import io.r2dbc.postgresql.message.frontend.Describe;
import io.r2dbc.postgresql.message.frontend.Execute;
import io.r2dbc.postgresql.message.frontend.ExecutionType;
import io.r2dbc.postgresql.message.frontend.FrontendMessage;
import io.r2dbc.postgresql.message.frontend.Parse;
import io.r2dbc.postgresql.message.frontend.Sync;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

import reactor.core.publisher.Mono;

/**
 * One server connection shared by pipelined autocommit statements. It is r2dbc-postgresql's
 * {@code ReactorNettyClient}, used through its public {@link Client#exchange} (the R2DBC {@code Connection}
 * API cannot pipeline: its statements hold the request stream open until their answer arrived). Each
 * statement is Parse/Bind/Describe/Execute/Sync of the unnamed statement, written without waiting for those
 * before it; statements sent while the previous batch is handed to the client go out together, as one
 * exchange and one write. The client hands each exchange the messages up to its end, in the order the
 * exchanges were sent, and {@link BatchReader} splits a batch's messages at each statement's ReadyForQuery,
 * so a result can only reach the statement it answers.
 *
 * <p>Each exchange is read to its end by a subscriber of this class, whatever its caller does: a caller that
 * leaves only stops waiting, and the connection learns when the server is done with the statement.
 *
 * <p><b>Cancel.</b> PostgreSQL's CancelRequest stops whatever the backend runs at that moment; it cannot
 * name a statement. The rule: a cancel is sent only while the statement is the oldest in flight on its
 * connection (the one the server runs); a statement cancelled while it waits behind others is sent a cancel
 * when it becomes the oldest. If it ended in between, the cancel may stop the next statement instead: a
 * statement that fails with SQLSTATE 57014 without having been cancelled itself, shortly after a cancel on its
 * connection, is sent again once (a cancelled statement had no effect), so its caller never sees a
 * neighbour's cancel.
 */
final class PipelinedConnection {

    private static final reactor.util.Logger LOG = reactor.util.Loggers.getLogger(PipelinedConnection.class);
    /** How long after a cancel request a neighbour's SQLSTATE 57014 is taken for that cancel's stray hit. */
    static final long STRAY_WINDOW_NANOS = Duration.ofSeconds(5).toNanos();

    private final Client client;
    private final Codecs codecs;
    private final String name;
    private final Duration cancelTimeout;
    /** Statements sent again after a neighbour's cancel, over the lane's shared connections. */
    private final java.util.concurrent.atomic.LongAdder resent;
    /** Exchanges sent and not yet ended, oldest first. Guarded by this. */
    private final ArrayDeque<Exchange> inflight = new ArrayDeque<>();
    /** Exchanges in flight not yet handed to the client, in order. Guarded by this. */
    private final List<Exchange> unsent = new ArrayList<>();
    /** A thread is handing exchanges to the client; others only add theirs to {@link #unsent}. Guarded by this. */
    private boolean sending;
    private long lastCancelNanos;   // guarded by this
    private boolean cancelledOnce;  // guarded by this
    private volatile boolean broken;
    /** Statement slots held by leases; guarded by the {@link Multiplexer}. */
    int reserved;

    PipelinedConnection(Client client, Codecs codecs, String name, Duration cancelTimeout, java.util.concurrent.atomic.LongAdder resent) {
        this.client = client;
        this.resent = resent;
        this.codecs = codecs;
        this.name = name;
        this.cancelTimeout = cancelTimeout;
    }

    /** One statement's outcome: its rows, or the failure. */
    interface Outcome extends Consumer<PipelinedResult> {
        void failed(Throwable error);
    }

    /** One statement sent on this connection. */
    static final class Exchange {
        final String sql;
        final TextParameters parameters;
        final int fetchSize;
        final Outcome outcome;
        final Runnable ended;
        @Nullable List<RowDescription.Field> fields;
        final List<byte[][]> rows = new ArrayList<>();
        @Nullable Long rowsUpdated;
        @Nullable ServerError error;
        boolean abandoned;
        boolean cancelTarget;
        boolean cancelWhenOldest;
        boolean resent;
        boolean done;
        boolean suspended;

        Exchange(String sql, TextParameters parameters, int fetchSize, Outcome outcome, Runnable ended) {
            this.sql = sql;
            this.parameters = parameters;
            this.fetchSize = fetchSize;
            this.outcome = outcome;
            this.ended = ended;
        }

        void reset() {
            fields = null;
            rows.clear();
            rowsUpdated = null;
            error = null;
            suspended = false;
        }
    }

    boolean isBroken() {
        return broken || !client.isConnected();
    }

    /** Statements in flight on this connection now. */
    synchronized int inFlight() {
        return inflight.size();
    }

    /**
     * Sends the statement, reading at most {@code fetchSize} rows (0: all); {@code outcome} is told once,
     * {@code ended} runs once the server is done with it.
     */
    Exchange send(String sql, TextParameters parameters, int fetchSize, Outcome outcome, Runnable ended) {
        Exchange e = new Exchange(sql, parameters, fetchSize, outcome, ended);
        boolean flush;
        synchronized (this) {
            if (isBroken()) {
                e.done = true;
                flush = false;
            } else {
                flush = enqueue(e);
            }
        }
        if (e.done) {
            ended.run();
            outcome.failed(closed(null));
        } else if (flush) {
            flush();
        }
        return e;
    }

    /** Guarded by this. Whether the caller is to hand the unsent exchanges to the client ({@link #flush()}). */
    private boolean enqueue(Exchange e) {
        inflight.add(e);
        unsent.add(e);
        if (sending) {
            return false;       // the thread handing exchanges over now takes this one along
        }
        sending = true;
        return true;
    }

    /**
     * Hands the unsent exchanges to the client, outside the lock: statements sent while a batch is being
     * handed over go out together in the next one, as one exchange and one write. Only one thread at a time
     * does this, so the client sees the exchanges in {@link #inflight}'s order.
     */
    private void flush() {
        while (true) {
            List<Exchange> batch;
            synchronized (this) {
                if (unsent.isEmpty()) {
                    sending = false;
                    return;
                }
                batch = List.copyOf(unsent);
                unsent.clear();
            }
            List<FrontendMessage.DirectEncoder> parts = new ArrayList<>(batch.size() * 5);
            for (Exchange e : batch) {
                parts.add(new Parse(Parse.UNNAMED_STATEMENT, e.parameters.oids(), e.sql));
                parts.add(new Bind(Bind.UNNAMED_PORTAL, List.of(Format.FORMAT_TEXT), e.parameters.encode(client.getByteBufAllocator()),
                        List.of(), Bind.UNNAMED_STATEMENT));
                parts.add(new Describe(Describe.UNNAMED, ExecutionType.PORTAL));
                parts.add(new Execute(Execute.UNNAMED_PORTAL, e.fetchSize > 0 ? e.fetchSize : Execute.NO_LIMIT));
                parts.add(Sync.INSTANCE);
            }
            BatchReader reader = new BatchReader(this, batch);
            // the exchange ends with the batch's last ReadyForQuery (each statement has its own Sync)
            client.exchange(reader::endsWith, Mono.just(new CompositeFrontendMessage(parts))).subscribe(reader);
        }
    }

    /**
     * Cancels {@code e} on the server under the rule in the class comment; its outcome is dropped either way.
     * Completes once a cancel request was delivered, or at once when none is due yet.
     */
    Mono<Void> cancel(Exchange e) {
        synchronized (this) {
            if (e.done || e.abandoned) {
                return Mono.empty();
            }
            e.abandoned = true;
            if (inflight.peek() != e) {
                e.cancelWhenOldest = true;
                return Mono.empty();
            }
            return cancelRequest(e);
        }
    }

    /** Guarded by this. */
    private Mono<Void> cancelRequest(Exchange e) {
        e.cancelTarget = true;
        lastCancelNanos = System.nanoTime();
        cancelledOnce = true;
        return client.cancelRequest().timeout(cancelTimeout);
    }

    /** One statement's exchange ended: with its answer, or with the connection's failure ({@code lost}). */
    void ended(Exchange e, @Nullable Throwable lost) {
        if (Thread.holdsLock(this)) {
            // the client failed the exchange while it was being handed over (the connection closed): tell its
            // caller outside this lock, which the caller's release must not wait for
            reactor.core.scheduler.Schedulers.parallel().schedule(() -> ended(e, lost));
            return;
        }
        Mono<Void> dueCancel = null;
        boolean again = false;
        boolean resend = false;
        synchronized (this) {
            if (e.done || !inflight.remove(e)) {
                return;         // ended already
            }
            if (lost != null) {
                broken = true;
            } else if (e.error != null && e.error.cancelled() && !e.cancelTarget && !e.resent && !e.abandoned && cancelledOnce
                    && System.nanoTime() - lastCancelNanos < STRAY_WINDOW_NANOS && !isBroken()) {
                // a neighbour's cancel stopped this statement, which therefore had no effect: send it again
                e.resent = true;
                e.reset();
                resent.increment();
                again = true;
                resend = enqueue(e);
            }
            if (!again) {
                e.done = true;
                Exchange oldest = inflight.peek();
                if (oldest != null && oldest.cancelWhenOldest && !oldest.cancelTarget) {
                    dueCancel = cancelRequest(oldest);
                }
            }
        }
        if (resend) {
            flush();
        }
        if (again) {
            return;             // sent again: it ends with its second answer
        }
        if (dueCancel != null) {
            dueCancel.subscribe(null, x -> LOG.debug("[{}] cancel request failed: {}", name, x.toString()));
        }
        // the server is done with it: its slot counts as free before its caller hears (the caller's lease still
        // holds it until released). Told after, the caller's own end (its release, its permit at the gate, the
        // next caller admitted) would find this connection still busy and queue the next statement behind
        // another's on a busier connection instead of on this one.
        e.ended.run();
        if (e.abandoned) {
            return;             // nobody waits for it
        }
        if (lost != null) {
            e.outcome.failed(closed(lost));
        } else if (e.error != null) {
            e.outcome.failed(e.error);
        } else if (e.suspended) {
            e.outcome.failed(new io.sluice.spi.LargerThanOneFetchException(e.fetchSize));
        } else {
            e.outcome.accept(new PipelinedResult(e.fields == null ? List.of() : e.fields, e.rows, e.rowsUpdated, codecs));
        }
    }

    private R2dbcNonTransientResourceException closed(@Nullable Throwable cause) {
        return new R2dbcNonTransientResourceException("the shared connection " + name + " was lost"
                + (cause == null ? "" : ": " + cause), null, 0, (String) null, cause);
    }

    /** Closes the connection: statements still in flight fail with a connection-lost error. */
    Mono<Void> close() {
        broken = true;
        return client.close().onErrorResume(x -> Mono.empty());
    }

    @Override
    public String toString() {
        return name;
    }
}
