package io.sluice;

import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.Result;
import io.sluice.spi.ConnectionSource;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The facade over a {@link ConnectionSource}. One {@code usingWhen} per unit of work: the connection is
 * the resource; commit or rollback and the release are sequenced in its cleanup, so a connection is
 * never back in the pool before its transaction ended, on complete, error and cancel alike.
 */
final class DefaultDatabase implements Database {

    private final ConnectionSource source;

    DefaultDatabase(ConnectionSource source) {
        this.source = Objects.requireNonNull(source, "source");
    }

    @Override
    public <T> Mono<T> withConnection(Lane lane, Function<Session, ? extends Mono<T>> work) {
        return mono(lane, null, work);
    }

    @Override
    public <T> Flux<T> withConnectionMany(Lane lane, Function<Session, ? extends Publisher<T>> work) {
        return flux(lane, null, work);
    }

    @Override
    public <T> Mono<T> inTransaction(Lane lane, TxOptions options, Function<Session, ? extends Mono<T>> work) {
        return mono(lane, Objects.requireNonNull(options, "options"), work);
    }

    @Override
    public <T> Flux<T> inTransactionMany(Lane lane, TxOptions options, Function<Session, ? extends Publisher<T>> work) {
        return flux(lane, Objects.requireNonNull(options, "options"), work);
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
            public <T> Flux<T> run(Function<DefaultSession, Flux<T>> body) {
                return flux(lane, null, s -> body.apply((DefaultSession) s));
            }

            @Override
            public int fetchSize() {
                return source.fetchSize(lane);
            }
        }, sql);
    }

    private <T> Mono<T> mono(Lane lane, @Nullable TxOptions tx, Function<Session, ? extends Mono<T>> work) {
        Objects.requireNonNull(work, "work");
        return Mono.usingWhen(open(lane, tx),
                        s -> Mono.from(body(s, tx, work)),
                        this::complete, this::fail, this::cancel)
                .onErrorMap(e -> Failures.translate(lane, unwrapCleanupFailure(e)));
    }

    private <T> Flux<T> flux(Lane lane, @Nullable TxOptions tx, Function<Session, ? extends Publisher<T>> work) {
        Objects.requireNonNull(work, "work");
        return Flux.usingWhen(open(lane, tx),
                        s -> body(s, tx, work),
                        this::complete, this::fail, this::cancel)
                .onErrorMap(e -> Failures.translate(lane, unwrapCleanupFailure(e)));
    }

    /** usingWhen wraps a failed commit in "Async resource cleanup failed after onComplete"; the commit's own error is what matters. */
    private static Throwable unwrapCleanupFailure(Throwable e) {
        return e.getClass() == RuntimeException.class && e.getCause() != null
                && String.valueOf(e.getMessage()).startsWith("Async resource cleanup failed") ? e.getCause() : e;
    }

    private Mono<DefaultSession> open(Lane lane, @Nullable TxOptions tx) {
        Objects.requireNonNull(lane, "lane");
        return source.acquire(lane).map(c -> new DefaultSession(lane, c, tx != null, source.fetchSize(lane)));
    }

    private <T> Publisher<T> body(DefaultSession s, @Nullable TxOptions tx, Function<Session, ? extends Publisher<T>> work) {
        if (tx == null) {
            return Objects.requireNonNull(work.apply(s), "the work function returned null instead of a publisher");
        }
        String begin = beginSql(tx.orElse(source.transactionDefaults(s.lane())));
        return exec(s, begin).thenMany(Flux.defer(() ->
                Objects.requireNonNull(work.apply(s), "the work function returned null instead of a publisher")));
    }

    static String beginSql(TxOptions o) {
        StringBuilder sql = new StringBuilder("BEGIN");
        if (o.isolation() != null) {
            sql.append(" ISOLATION LEVEL ").append(o.isolation().sql());
        }
        if (o.readOnlyOrNull() != null) {
            sql.append(o.readOnlyOrNull() ? " READ ONLY" : " READ WRITE");
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

    private Mono<Void> complete(DefaultSession s) {
        s.close();
        if (!s.transactional()) {
            return releaseAutocommit(s);
        }
        if (s.lastStatementFailed()) {
            // PostgreSQL aborted the transaction: COMMIT would answer ROLLBACK without an error.
            return exec(s, "ROLLBACK").then(source.release(s.lane(), s.raw()))
                    .onErrorResume(e -> discard(s))
                    .then(Mono.error(new DatabaseException(SluiceException.prefix(s.lane())
                            + "the transaction was rolled back, not committed: a statement in it failed and the work "
                            + "went on as if it had not (the failure was swallowed); PostgreSQL aborts a transaction "
                            + "at its first error. Let the error propagate, or use a savepoint", s.lane(), "25P02", null)));
        }
        return exec(s, "COMMIT")
                .then(source.release(s.lane(), s.raw()))
                .onErrorResume(e -> (e instanceof R2dbcException r && r.getSqlState() != null
                        ? source.release(s.lane(), s.raw()) : discard(s)).then(Mono.error(e)));
    }

    private Mono<Void> fail(DefaultSession s, Throwable error) {
        if (Failures.classify(unwrapCleanupFailure(error)) == FailureKind.CONNECTION_LOST) {
            // the connection is dead or in an unknown state: never hand it out again
            s.close();
            return discard(s);
        }
        return cancel(s);
    }

    private Mono<Void> cancel(DefaultSession s) {
        s.close();
        // a statement cancelled by its subscriber would otherwise run on: ask the server to stop it
        Mono<Void> stop = s.statementRunning()
                ? source.cancelStatement(s.lane(), s.raw()).onErrorResume(e -> Mono.empty())
                : Mono.empty();
        Mono<Void> end = s.transactional() ? exec(s, "ROLLBACK") : Mono.empty();
        return stop.then(end).then(s.transactional() ? source.release(s.lane(), s.raw()) : releaseAutocommit(s))
                .onErrorResume(e -> discard(s));
    }

    /** Work outside a transaction may have left one open (a raw BEGIN): roll it back before the connection goes back. */
    private Mono<Void> releaseAutocommit(DefaultSession s) {
        return Mono.defer(() -> s.raw().isAutoCommit()
                        ? source.release(s.lane(), s.raw())
                        : exec(s, "ROLLBACK").then(source.release(s.lane(), s.raw())))
                .onErrorResume(e -> discard(s));
    }

    private Mono<Void> discard(DefaultSession s) {
        return source.discard(s.lane(), s.raw()).onErrorResume(e -> Mono.empty());
    }

    private static Mono<Void> exec(DefaultSession s, String sql) {
        return Flux.from(s.raw().createStatement(sql).execute()).concatMap(Result::getRowsUpdated).then();
    }
}
