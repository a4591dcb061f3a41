package io.sluice;

import io.sluice.internal.Failures;
import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.Result;
import io.sluice.spi.CallSite;
import io.sluice.spi.ConnectionSource;
import io.sluice.spi.LaneSource;
import io.sluice.spi.LaneSettings;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.context.Context;

/**
 * The facade over a {@link ConnectionSource}. One {@code usingWhen} per attempt of a unit of work: the
 * connection is the resource; commit or rollback and the release are sequenced in its cleanup, so a
 * connection is never back in the pool before its transaction ended, on complete, error and cancel
 * alike. The source's {@code guard} wraps each unit (breaker, admission, retry); this class marks each
 * failure with whether running the work again is safe.
 */
final class DefaultDatabase implements Database {

    private final ConnectionSource source;

    DefaultDatabase(ConnectionSource source) {
        this.source = Objects.requireNonNull(source, "source");
    }

    @Override
    public <T> Mono<T> withConnection(Lane lane, Function<Session, ? extends Mono<T>> work) {
        return mono(lane, null, false, work);
    }

    @Override
    public <T> Flux<T> withConnectionMany(Lane lane, Function<Session, ? extends Publisher<T>> work) {
        return flux(lane, null, false, work);
    }

    @Override
    public <T> Mono<T> inTransaction(Lane lane, TxOptions options, Function<Session, ? extends Mono<T>> work) {
        return named(mono(lane, Objects.requireNonNull(options, "options"), false, work), options.name());
    }

    @Override
    public <T> Flux<T> inTransactionMany(Lane lane, TxOptions options, Function<Session, ? extends Publisher<T>> work) {
        return named(flux(lane, Objects.requireNonNull(options, "options"), false, work), options.name());
    }

    @Override
    public Query sql(Lane lane, String sql) {
        Objects.requireNonNull(lane, "lane");
        return new DefaultQuery(new DefaultQuery.Runner() {
            @Override
            public Lane lane() {
                return lane;
            }

            @Override
            public <T> Flux<T> run(Function<DefaultSession, Flux<T>> body, boolean idempotent) {
                return run(body, idempotent, null);
            }

            @Override
            public <T> Mono<T> runMono(Function<DefaultSession, Mono<T>> body, boolean idempotent) {
                return runMono(body, idempotent, null);
            }

            @Override
            public <T> Flux<T> run(Function<DefaultSession, Flux<T>> body, boolean idempotent, @Nullable String operation) {
                return named(flux(lane, null, idempotent, s -> body.apply((DefaultSession) s)), operation);
            }

            @Override
            public <T> Mono<T> runMono(Function<DefaultSession, Mono<T>> body, boolean idempotent, @Nullable String operation) {
                return named(mono(lane, null, idempotent, s -> body.apply((DefaultSession) s)), operation);
            }

            @Override
            public <T> Mono<T> runStatement(Function<DefaultSession, Mono<T>> body, boolean idempotent, @Nullable String operation,
                                            Class<?>[] parameterTypes) {
                return named(mono(lane, null, idempotent, s -> body.apply((DefaultSession) s), parameterTypes), operation);
            }

            @Override
            public <T> Flux<T> runStatementMany(Function<DefaultSession, Flux<T>> body, boolean idempotent, @Nullable String operation,
                                                Class<?>[] parameterTypes) {
                return named(flux(lane, null, idempotent, s -> body.apply((DefaultSession) s), parameterTypes), operation);
            }

            @Override
            public int fetchSize() {
                LaneSource ls = resolve(lane);
                return ls == null ? 0 : ls.settings().fetchSize();
            }
        }, sql);
    }

    /** The unit, named for the lane's meters when the caller gave a name (nothing added otherwise). */
    private static <T> Mono<T> named(Mono<T> unit, @Nullable String operation) {
        return operation == null ? unit : unit.contextWrite(Operation.named(operation));
    }

    private static <T> Flux<T> named(Flux<T> unit, @Nullable String operation) {
        return operation == null ? unit : unit.contextWrite(Operation.named(operation));
    }

    /** The lane's source, resolved once per unit; null for a lane the source does not serve. */
    private @Nullable LaneSource resolve(Lane lane) {
        try {
            return source.lane(lane);
        } catch (UnknownLaneException e) {
            return null;
        }
    }

    /** One attempt's state: the session once a connection arrived. */
    private static final class Attempt {
        final AtomicReference<DefaultSession> session = new AtomicReference<>();
        @Nullable Deadline deadline;
    }

    /**
     * What every attempt of one unit of work shares, resolved once when the unit is assembled: the lane, its
     * settings and the transaction options in effect. Mono and Flux units differ only in the publisher type
     * they build from it.
     */
    private record Unit(LaneSource ls, LaneSettings settings, @Nullable TxOptions tx, boolean idempotent,
                        Class<?> @Nullable [] statementTypes) {

        Lane lane() {
            return ls.lane();
        }

        /** A new attempt, or the error that stops it before it starts (its deadline has passed). */
        Attempt attempt(reactor.util.context.ContextView ctx) {
            Attempt a = new Attempt();
            a.deadline = Deadline.from(ctx);
            return a;
        }

        @Nullable DeadlineExceededException late(Attempt a) {
            return a.deadline != null && a.deadline.hasPassed()
                    ? new DeadlineExceededException(lane(), "before the work started", a.deadline.timeLeft().negated(), null) : null;
        }

        Mono<DefaultSession> open(Attempt a) {
            return DefaultDatabase.open(ls, tx != null, settings, a, statementTypes);
        }

        Throwable translate(Throwable e) {
            return Failures.translate(lane(), e);
        }

        Mono<Void> complete(DefaultSession s) {
            return DefaultDatabase.complete(ls, s, settings);
        }

        Mono<Void> fail(DefaultSession s, Throwable e) {
            return DefaultDatabase.fail(ls, s, e, settings);
        }

        Mono<Void> cancel(DefaultSession s) {
            return DefaultDatabase.cancel(ls, s, settings);
        }

        Throwable mark(Throwable e, Attempt a) {
            return DefaultDatabase.mark(lane(), e, a, tx, idempotent);
        }
    }

    /** The unit's shared state, or null when the source does not serve the lane. */
    private @Nullable Unit unit(Lane lane, @Nullable TxOptions tx, boolean idempotent, Object work, Class<?> @Nullable [] statementTypes) {
        Objects.requireNonNull(lane, "lane");
        Objects.requireNonNull(work, "work");
        LaneSource ls = resolve(lane);
        if (ls == null) {
            return null;
        }
        LaneSettings settings = ls.settings();
        // behind a pooler in transaction mode every unit is a transaction: its settings live only that long
        TxOptions options = tx != null ? tx : settings.unitSetup() != null ? TxOptions.defaults() : null;
        return new Unit(ls, settings, options == null ? null : options.orElse(settings.transactionDefaults()), idempotent, statementTypes);
    }

    private <T> Mono<T> mono(Lane lane, @Nullable TxOptions tx, boolean idempotent, Function<Session, ? extends Mono<T>> work) {
        return mono(lane, tx, idempotent, work, null);
    }

    /** {@code statementTypes}: the unit is one autocommit statement with parameters of these types (it may share a connection); null otherwise. */
    private <T> Mono<T> mono(Lane lane, @Nullable TxOptions tx, boolean idempotent, Function<Session, ? extends Mono<T>> work,
                             Class<?> @Nullable [] statementTypes) {
        Unit u = unit(lane, tx, idempotent, work, statementTypes);
        if (u == null) {
            return Mono.error(() -> new UnknownLaneException(lane, source.lanes()));
        }
        Mono<T> unit = u.ls().guard(Mono.deferContextual(ctx -> {
            Attempt a = u.attempt(ctx);
            DeadlineExceededException late = u.late(a);
            return late != null ? Mono.error(late)
                    : bound(Mono.usingWhen(u.open(a), s -> Mono.from(body(s, u, a, work)).onErrorMap(u::translate),
                            u::complete, u::fail, u::cancel), lane, u.settings(), a).onErrorMap(e -> u.mark(e, a));
        }));
        // the caller's frames are on the stack now, at assembly; the subscribe may come later, elsewhere
        return u.ls().recordsCallSites() ? unit.contextWrite(Context.of(CallSite.CONTEXT_KEY, CallSite.capture())) : unit;
    }

    private <T> Flux<T> flux(Lane lane, @Nullable TxOptions tx, boolean idempotent, Function<Session, ? extends Publisher<T>> work) {
        return flux(lane, tx, idempotent, work, null);
    }

    private <T> Flux<T> flux(Lane lane, @Nullable TxOptions tx, boolean idempotent, Function<Session, ? extends Publisher<T>> work,
                             Class<?> @Nullable [] statementTypes) {
        Unit u = unit(lane, tx, idempotent, work, statementTypes);
        if (u == null) {
            return Flux.error(() -> new UnknownLaneException(lane, source.lanes()));
        }
        Flux<T> unit = u.ls().guard(Flux.deferContextual(ctx -> {
            Attempt a = u.attempt(ctx);
            DeadlineExceededException late = u.late(a);
            return late != null ? Flux.error(late)
                    : bound(Flux.usingWhen(u.open(a), s -> Flux.from(body(s, u, a, work)).onErrorMap(u::translate),
                            u::complete, u::fail, u::cancel), lane, u.settings(), a).onErrorMap(e -> u.mark(e, a));
        }));
        // the caller's frames are on the stack now, at assembly; the subscribe may come later, elsewhere
        return u.ls().recordsCallSites() ? unit.contextWrite(Context.of(CallSite.CONTEXT_KEY, CallSite.capture())) : unit;
    }

    /** The client-side limit of one attempt: the deadline from the context, or the lane's client timeout if sooner. */
    private static @Nullable Duration limit(LaneSettings settings, Attempt a) {
        Duration limit = settings.clientTimeout();
        if (a.deadline != null && (limit == null || a.deadline.timeLeft().compareTo(limit) < 0)) {
            return a.deadline.timeLeft();
        }
        return limit;
    }

    private static SluiceException timedOut(Lane lane, LaneSettings settings, Attempt a, Duration limit) {
        if (a.deadline != null && (settings.clientTimeout() == null || limit.compareTo(settings.clientTimeout()) < 0)) {
            return new DeadlineExceededException(lane, "while the work ran; it was cancelled", a.deadline.timeLeft().negated(), null);
        }
        return new QueryTimeoutException(SluiceException.prefix(lane) + "no answer from the server within the lane's "
                + "client timeout of " + limit.toMillis() + " ms (a hung query or a broken network); the work was "
                + "cancelled and its connection discarded unless the server confirmed the cancel", lane, null, null);
    }

    private static <T> Mono<T> bound(Mono<T> work, Lane lane, LaneSettings settings, Attempt a) {
        Duration limit = limit(settings, a);
        return limit == null ? work : Expiry.within(work, limit.toNanos(), () -> timedOut(lane, settings, a, limit));
    }

    /**
     * For a stream, the client timeout bounds the wait for each next row (a hung server sends none), and
     * the deadline bounds the whole stream.
     */
    private static <T> Flux<T> bound(Flux<T> work, Lane lane, LaneSettings settings, Attempt a) {
        Flux<T> f = work;
        Duration perRow = settings.clientTimeout();
        if (perRow != null) {
            f = f.timeout(perRow, Flux.error(() -> timedOut(lane, new LaneSettings(settings.transactionDefaults(),
                    settings.fetchSize(), perRow, settings.cleanupTimeout()), new Attempt(), perRow)));
        }
        if (a.deadline != null) {
            Duration left = a.deadline.timeLeft();
            java.util.concurrent.atomic.AtomicBoolean passed = new java.util.concurrent.atomic.AtomicBoolean();
            f = f.takeUntilOther(Mono.delay(left).doOnNext(x -> passed.set(true)))
                    .concatWith(Mono.defer(() -> passed.get()
                            ? Mono.error(new DeadlineExceededException(lane, "while the work ran; it was cancelled", Duration.ZERO, null))
                            : Mono.empty()));
        }
        return f;
    }

    /** Translates a failure and records whether running the work again is safe. */
    private static Throwable mark(Lane lane, Throwable error, Attempt a, @Nullable TxOptions tx, boolean idempotent) {
        Throwable t = Failures.translate(lane, unwrapCleanupFailure(error));
        if (t instanceof SluiceException e) {
            DefaultSession s = a.session.get();
            boolean safe;
            if (s == null || !s.anyStatementSent()) {
                safe = true;                               // nothing reached the server
            } else if (idempotent || (tx != null && (tx.idempotent() || Boolean.TRUE.equals(tx.readOnlyOrNull())))) {
                safe = true;                               // declared safe to repeat
            } else {
                safe = tx != null && !s.commitSent();      // a whole transaction that was rolled back
            }
            e.markRetrySafe(safe);
        }
        return t;
    }

    /** usingWhen wraps a failed commit in "Async resource cleanup failed after onComplete"; the commit's own error is what matters. */
    private static Throwable unwrapCleanupFailure(Throwable e) {
        return e.getClass() == RuntimeException.class && e.getCause() != null
                && String.valueOf(e.getMessage()).startsWith("Async resource cleanup failed") ? e.getCause() : e;
    }

    private static Mono<DefaultSession> open(LaneSource ls, boolean transactional, LaneSettings settings, Attempt a,
                                             Class<?> @Nullable [] statementTypes) {
        return (statementTypes == null ? ls.acquire() : ls.acquireForStatement(statementTypes)).map(c -> {
            DefaultSession s = new DefaultSession(ls.lane(), c, transactional, settings.fetchSize());
            s.source(ls);
            a.session.set(s);
            return s;
        });
    }

    private <T> Publisher<T> body(DefaultSession s, Unit u, Attempt a, Function<Session, ? extends Publisher<T>> work) {
        TxOptions tx = u.tx();
        if (tx == null) {
            return Objects.requireNonNull(work.apply(s), "the work function returned null instead of a publisher");
        }
        TxOptions options = tx;
        if (a.deadline != null) {
            Duration left = a.deadline.timeLeft();
            if (left.isNegative() || left.isZero()) {
                return Flux.error(new DeadlineExceededException(s.lane(), "before the work started", left.negated(), null));
            }
            if (tx.statementTimeout() == null || left.compareTo(tx.statementTimeout()) < 0) {
                options = tx.withStatementTimeout(left);
            }
        }
        return exec(s, beginSql(options, u.settings().unitSetup())).thenMany(Flux.defer(() ->
                Objects.requireNonNull(work.apply(s), "the work function returned null instead of a publisher")));
    }

    static String beginSql(TxOptions o) {
        return beginSql(o, null);
    }

    /** BEGIN with the options, then {@code setup} (the lane's settings under a pooler), then the transaction's own timeouts. */
    static String beginSql(TxOptions o, @Nullable String setup) {
        StringBuilder sql = new StringBuilder("BEGIN");
        if (o.isolation() != null) {
            sql.append(" ISOLATION LEVEL ").append(o.isolation().sql());
        }
        if (o.readOnlyOrNull() != null) {
            sql.append(o.readOnlyOrNull() ? " READ ONLY" : " READ WRITE");
        }
        if (setup != null) {
            sql.append("; ").append(setup);
        }
        appendLocal(sql, "statement_timeout", o.statementTimeout());
        appendLocal(sql, "lock_timeout", o.lockTimeout());
        return sql.toString();
    }

    private static void appendLocal(StringBuilder sql, String setting, @Nullable Duration value) {
        if (value != null) {
            sql.append("; SET LOCAL ").append(setting).append(" = ").append(Math.max(1, value.toMillis()));
        }
    }

    private static Mono<Void> complete(LaneSource ls, DefaultSession s, LaneSettings settings) {
        s.close();
        if (!s.transactional()) {
            return releaseAutocommit(ls, s, settings);
        }
        if (s.lastStatementFailed()) {
            // PostgreSQL aborted the transaction: COMMIT would answer ROLLBACK without an error.
            return exec(s, "ROLLBACK").timeout(settings.cleanupTimeout()).then(release(ls, s))
                    .onErrorResume(e -> discard(ls, s))
                    .then(Mono.error(new DatabaseException(SluiceException.prefix(s.lane())
                            + "the transaction was rolled back, not committed: a statement in it failed and the work "
                            + "went on as if it had not (the failure was swallowed); PostgreSQL aborts a transaction "
                            + "at its first error. Let the error propagate, or use a savepoint", s.lane(), "25P02", null)));
        }
        s.markCommitSent();
        return exec(s, "COMMIT")
                .then(release(ls, s))
                .onErrorResume(e -> (e instanceof R2dbcException r && r.getSqlState() != null
                        && Failures.classify(r) != FailureKind.CONNECTION_LOST
                        ? release(ls, s) : discard(ls, s)).then(Mono.error(e)));
    }

    private static Mono<Void> fail(LaneSource ls, DefaultSession s, Throwable error, LaneSettings settings) {
        FailureKind kind = error instanceof SluiceException e ? e.kind() : Failures.classify(unwrapCleanupFailure(error));
        if (kind == FailureKind.CONNECTION_LOST || kind == FailureKind.PROTOCOL_VIOLATION) {
            // the connection is dead or in an unknown state: never hand it out again
            s.close();
            return discard(ls, s);
        }
        return cancel(ls, s, settings);
    }

    private static Mono<Void> cancel(LaneSource ls, DefaultSession s, LaneSettings settings) {
        s.close();
        if (s.raw() instanceof io.sluice.spi.SharedConnection) {
            // one statement among others on a shared connection: no session state to restore, and the
            // source's cancel targets only this statement (its rule for neighbours is its own)
            return (s.statementRunning() ? ls.cancelStatement(s.raw()).onErrorResume(e -> Mono.empty()) : Mono.<Void>empty())
                    .then(release(ls, s));
        }
        if (s.statementRunning()) {
            // The subscriber left while a statement ran: ask the server to stop it, then make one round
            // trip, which completes only once the statement has ended. No answer in time (a hung server,
            // a half-open socket): the connection is discarded, never returned.
            return ls.cancelStatement(s.raw()).onErrorResume(e -> Mono.empty())
                    .then(exec(s, "ROLLBACK"))
                    .timeout(settings.cleanupTimeout())
                    .then(release(ls, s))
                    .onErrorResume(e -> discard(ls, s));
        }
        if (s.transactional()) {
            return exec(s, "ROLLBACK").timeout(settings.cleanupTimeout())
                    .then(release(ls, s))
                    .onErrorResume(e -> discard(ls, s));
        }
        return releaseAutocommit(ls, s, settings);
    }

    /** Work outside a transaction may have left one open (a raw BEGIN): roll it back before the connection goes back. */
    private static Mono<Void> releaseAutocommit(LaneSource ls, DefaultSession s, LaneSettings settings) {
        return Mono.defer(() -> s.raw().isAutoCommit()
                        ? release(ls, s)
                        : exec(s, "ROLLBACK").timeout(settings.cleanupTimeout()).then(release(ls, s)))
                .onErrorResume(e -> discard(ls, s));
    }

    /**
     * Back to the pool, unless the work went around Sluice through the raw connection (see
     * {@link SessionConnection}): a session whose state may have changed is discarded, never lent again.
     * Discarding, not {@code DISCARD ALL}: that also drops the driver's cached prepared statements, which
     * the driver would go on using.
     */
    private static Mono<Void> release(LaneSource ls, DefaultSession s) {
        return Mono.defer(() -> s.dirty() ? ls.discard(s.raw()) : ls.release(s.raw()));
    }

    private static Mono<Void> discard(LaneSource ls, DefaultSession s) {
        return ls.discard(s.raw()).onErrorResume(e -> Mono.empty());
    }

    private static Mono<Void> exec(DefaultSession s, String sql) {
        return Flux.from(s.raw().createStatement(sql).execute()).concatMap(Result::getRowsUpdated).then();
    }
}
