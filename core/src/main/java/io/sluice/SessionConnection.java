package io.sluice;

import io.r2dbc.spi.Batch;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionMetadata;
import io.r2dbc.spi.IsolationLevel;
import io.r2dbc.spi.Statement;
import io.r2dbc.spi.TransactionDefinition;
import io.r2dbc.spi.ValidationDepth;
import io.r2dbc.spi.Wrapped;
import java.time.Duration;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

/**
 * What {@link Session#connection()} hands out: the lane's connection, noting in its session the first call
 * that can change the server session's state (any statement or batch, a transaction or savepoint call, a
 * timeout, isolation or auto-commit setting). A session so marked is discarded at the unit's end instead of
 * going back to the pool: a raw {@code SET}, {@code LISTEN}, temporary table, prepared statement or session
 * advisory lock would otherwise reach the next borrower. Reading metadata or validating does not mark it.
 * {@link #close()} does nothing: the unit's end hands the connection back.
 */
final class SessionConnection implements Connection, Wrapped<Connection> {

    private final DefaultSession session;
    private final Connection raw;

    SessionConnection(DefaultSession session, Connection raw) {
        this.session = session;
        this.raw = raw;
    }

    private Connection dirty() {
        session.markDirty();
        return raw;
    }

    @Override
    public Connection unwrap() {
        return dirty();   // out of sight from here on: assume the worst
    }

    @Override
    public Publisher<Void> close() {
        return Mono.empty();
    }

    @Override
    public Publisher<Void> beginTransaction() {
        return dirty().beginTransaction();
    }

    @Override
    public Publisher<Void> beginTransaction(TransactionDefinition definition) {
        return dirty().beginTransaction(definition);
    }

    @Override
    public Publisher<Void> commitTransaction() {
        return dirty().commitTransaction();
    }

    @Override
    public Batch createBatch() {
        return dirty().createBatch();
    }

    @Override
    public Publisher<Void> createSavepoint(String name) {
        return dirty().createSavepoint(name);
    }

    @Override
    public Statement createStatement(String sql) {
        return dirty().createStatement(sql);
    }

    @Override
    public boolean isAutoCommit() {
        return raw.isAutoCommit();
    }

    @Override
    public ConnectionMetadata getMetadata() {
        return raw.getMetadata();
    }

    @Override
    public IsolationLevel getTransactionIsolationLevel() {
        return raw.getTransactionIsolationLevel();
    }

    @Override
    public Publisher<Void> releaseSavepoint(String name) {
        return dirty().releaseSavepoint(name);
    }

    @Override
    public Publisher<Void> rollbackTransaction() {
        return dirty().rollbackTransaction();
    }

    @Override
    public Publisher<Void> rollbackTransactionToSavepoint(String name) {
        return dirty().rollbackTransactionToSavepoint(name);
    }

    @Override
    public Publisher<Void> setAutoCommit(boolean autoCommit) {
        return dirty().setAutoCommit(autoCommit);
    }

    @Override
    public Publisher<Void> setLockWaitTimeout(Duration timeout) {
        return dirty().setLockWaitTimeout(timeout);
    }

    @Override
    public Publisher<Void> setStatementTimeout(Duration timeout) {
        return dirty().setStatementTimeout(timeout);
    }

    @Override
    public Publisher<Void> setTransactionIsolationLevel(IsolationLevel level) {
        return dirty().setTransactionIsolationLevel(level);
    }

    @Override
    public Publisher<Boolean> validate(ValidationDepth depth) {
        return raw.validate(depth);
    }

    @Override
    public String toString() {
        return "SessionConnection[" + raw + "]";
    }
}
