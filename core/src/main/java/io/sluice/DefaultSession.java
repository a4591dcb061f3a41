package io.sluice;

import io.sluice.internal.Failures;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.R2dbcException;
import java.util.function.Function;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** A borrowed connection and what Sluice needs to know about it to hand it back cleanly. */
final class DefaultSession implements Session, DefaultQuery.Runner {

    private final Lane lane;
    private final Connection connection;
    private final boolean transactional;
    private final int fetchSize;
    private volatile boolean closed;
    /** The last statement failed on the server: inside a transaction, PostgreSQL has aborted it. */
    private volatile boolean lastStatementFailed;
    /** A statement was sent and has not completed or failed: on cancel it may still run on the server. */
    private volatile boolean statementRunning;
    private volatile boolean anyStatementSent;
    private volatile boolean commitSent;
    /** Something went through the raw connection that may have changed the server session's state. */
    private volatile boolean dirty;
    private volatile @org.jspecify.annotations.Nullable SessionConnection handedOut;

    DefaultSession(Lane lane, Connection connection, boolean transactional, int fetchSize) {
        this.lane = lane;
        this.connection = connection;
        this.transactional = transactional;
        this.fetchSize = fetchSize;
    }

    @Override
    public Lane lane() {
        return lane;
    }

    @Override
    public boolean inTransaction() {
        return transactional;
    }

    @Override
    public Query sql(String sql) {
        return new DefaultQuery(this, sql);
    }

    @Override
    public Connection connection() {
        if (closed) {
            throw new SessionClosedException(lane);
        }
        SessionConnection c = handedOut;
        if (c == null) {
            c = new SessionConnection(this, connection);
            handedOut = c;
        }
        return c;
    }

    @Override
    public <T> Flux<T> run(Function<DefaultSession, Flux<T>> body, boolean idempotent) {
        return Flux.defer(() -> closed ? Flux.error(new SessionClosedException(lane)) : body.apply(this))
                .onErrorMap(e -> Failures.translate(lane, e));
    }

    @Override
    public <T> Mono<T> runMono(Function<DefaultSession, Mono<T>> body, boolean idempotent) {
        return Mono.defer(() -> closed ? Mono.<T>error(new SessionClosedException(lane)) : body.apply(this))
                .onErrorMap(e -> Failures.translate(lane, e));
    }

    @Override
    public int fetchSize() {
        return fetchSize;
    }

    /** Follows one statement: running until it completes or fails (not when cancelled), and whether it failed on the server. */
    <T> Flux<T> track(Flux<T> statement) {
        statementRunning = true;
        anyStatementSent = true;
        return statement.doOnEach(signal -> {
            if (signal.isOnNext()) {
                lastStatementFailed = false;
            } else if (signal.isOnComplete()) {
                lastStatementFailed = false;
                statementRunning = false;
            } else if (signal.isOnError()) {
                statementRunning = false;
                if (signal.getThrowable() instanceof R2dbcException r && r.getSqlState() != null) {
                    lastStatementFailed = true;
                }
            }
        });
    }

    boolean lastStatementFailed() {
        return lastStatementFailed;
    }

    boolean anyStatementSent() {
        return anyStatementSent;
    }

    boolean commitSent() {
        return commitSent;
    }

    void markCommitSent() {
        commitSent = true;
    }

    boolean statementRunning() {
        return statementRunning;
    }

    boolean transactional() {
        return transactional;
    }

    void markDirty() {
        dirty = true;
    }

    /** Whether the unit used the raw connection in a way that may have changed the session's state. */
    boolean dirty() {
        return dirty;
    }

    /** The connection for Sluice's own statements (not marked dirty); fails once the session ended. */
    Connection forStatement() {
        if (closed) {
            throw new SessionClosedException(lane);
        }
        return connection;
    }

    Connection raw() {
        return connection;
    }

    void close() {
        closed = true;
    }
}
