package io.sluice.pool;

import io.r2dbc.spi.Batch;
import io.r2dbc.spi.ConnectionMetadata;
import io.r2dbc.spi.IsolationLevel;
import io.r2dbc.spi.Statement;
import io.r2dbc.spi.TransactionDefinition;
import io.r2dbc.spi.ValidationDepth;
import io.sluice.spi.SharedConnection;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

/**
 * One statement slot on a {@link PipelinedConnection}, handed to one unit of work. It runs autocommit
 * statements only: everything that would change the session (transactions, savepoints, settings) fails,
 * since the server connection is shared. The slot is free again once the lease is released <em>and</em>
 * the server is done with its statement, so a connection never has more than its limit in flight.
 */
final class SharedLease implements SharedConnection {

    private final PipelinedConnection connection;
    private final Multiplexer owner;
    /** The lease itself, plus one per statement in flight. */
    private final AtomicInteger holds = new AtomicInteger(1);
    private final AtomicBoolean released = new AtomicBoolean();
    private volatile PipelinedConnection.@Nullable Exchange current;

    SharedLease(PipelinedConnection connection, Multiplexer owner) {
        this.connection = connection;
        this.owner = owner;
    }

    PipelinedConnection connection() {
        return connection;
    }

    /** Sends one statement on the shared connection; the slot stays held until the server is done with it. */
    void send(String sql, TextParameters parameters, int fetchSize, PipelinedConnection.Outcome outcome) {
        holds.incrementAndGet();
        current = connection.send(sql, parameters, fetchSize, outcome, this::drop);
    }

    /** Cancels this lease's statement under {@link PipelinedConnection}'s rule. */
    Mono<Void> cancel() {
        PipelinedConnection.Exchange e = current;
        return e == null ? Mono.empty() : connection.cancel(e);
    }

    /** Hands the lease back; idempotent. */
    Mono<Void> release() {
        return Mono.fromRunnable(() -> {
            if (released.compareAndSet(false, true)) {
                drop();
            }
        });
    }

    private void drop() {
        if (holds.decrementAndGet() == 0) {
            owner.free(connection);
        }
    }

    @Override
    public Statement createStatement(String sql) {
        return new PipelinedStatement(this, sql);
    }

    @Override
    public boolean isAutoCommit() {
        return true;
    }

    private static <T> Mono<T> unsupported(String what) {
        return Mono.error(new UnsupportedOperationException(what + " is not possible on a shared connection of a multiplexed "
                + "lane: it runs single autocommit statements. Use db.inTransaction(..) or db.withConnection(..), which take "
                + "a connection of their own"));
    }

    @Override
    public Publisher<Void> beginTransaction() {
        return unsupported("a transaction");
    }

    @Override
    public Publisher<Void> beginTransaction(TransactionDefinition definition) {
        return unsupported("a transaction");
    }

    @Override
    public Publisher<Void> close() {
        return release();
    }

    @Override
    public Publisher<Void> commitTransaction() {
        return unsupported("a transaction");
    }

    @Override
    public Batch createBatch() {
        throw new UnsupportedOperationException("a batch is not possible on a shared connection of a multiplexed lane");
    }

    @Override
    public Publisher<Void> createSavepoint(String name) {
        return unsupported("a savepoint");
    }

    @Override
    public ConnectionMetadata getMetadata() {
        return new ConnectionMetadata() {
            @Override
            public String getDatabaseProductName() {
                return "PostgreSQL";
            }

            @Override
            public String getDatabaseVersion() {
                return "unknown";
            }
        };
    }

    @Override
    public IsolationLevel getTransactionIsolationLevel() {
        return IsolationLevel.READ_COMMITTED;
    }

    @Override
    public Publisher<Void> releaseSavepoint(String name) {
        return unsupported("a savepoint");
    }

    @Override
    public Publisher<Void> rollbackTransaction() {
        return unsupported("a transaction");
    }

    @Override
    public Publisher<Void> rollbackTransactionToSavepoint(String name) {
        return unsupported("a savepoint");
    }

    @Override
    public Publisher<Void> setAutoCommit(boolean autoCommit) {
        return autoCommit ? Mono.empty() : unsupported("turning autocommit off");
    }

    @Override
    public Publisher<Void> setLockWaitTimeout(Duration timeout) {
        return unsupported("changing lock_timeout");
    }

    @Override
    public Publisher<Void> setStatementTimeout(Duration timeout) {
        return unsupported("changing statement_timeout");
    }

    @Override
    public Publisher<Void> setTransactionIsolationLevel(IsolationLevel isolationLevel) {
        return unsupported("changing the isolation level");
    }

    @Override
    public Publisher<Boolean> validate(ValidationDepth depth) {
        return Mono.just(!connection.isBroken());
    }

    @Override
    public String toString() {
        return "SharedLease[" + connection + "]";
    }
}
