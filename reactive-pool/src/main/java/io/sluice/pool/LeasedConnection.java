package io.sluice.pool;

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
import reactor.pool.PooledRef;

/**
 * A lane's connection while a unit of work holds it: the driver's connection and the pool's reference to
 * it, so that handing it back is one call on the reference. {@link #close()} does nothing: the unit's end
 * hands the connection back (after its rollback, its cancel, or its discard), never the caller.
 */
final class LeasedConnection implements Connection, Wrapped<Connection> {

    final PooledRef<Connection> ref;
    final Connection raw;
    /** Set when it was borrowed from another lane: how to give it back. */
    Lending.@org.jspecify.annotations.Nullable Loan loan;
    /** With leak detection on: when it was leased (nanos), where its unit was assembled, and its leak report's id (0: none). */
    long leasedAt;
    io.sluice.spi.@org.jspecify.annotations.Nullable CallSite site;
    volatile long leakId;
    /** The unit's operation, whose meters its wait and use go to; null when leases are not timed. */
    LaneMeters.@org.jspecify.annotations.Nullable Op op;
    /** Under a pooler in transaction mode, the lane whose statements are checked for session features; null otherwise. */
    io.sluice.@org.jspecify.annotations.Nullable Lane pooled;
    /** Set when a lane's router took it from a standby's pool: where it goes back. */
    @org.jspecify.annotations.Nullable LanePool standby;

    LeasedConnection(PooledRef<Connection> ref) {
        this.ref = ref;
        this.raw = ref.poolable();
    }

    @Override
    public Connection unwrap() {
        return raw;
    }

    @Override
    public Publisher<Void> close() {
        return Mono.empty();
    }

    @Override
    public Publisher<Void> beginTransaction() {
        return raw.beginTransaction();
    }

    @Override
    public Publisher<Void> beginTransaction(TransactionDefinition definition) {
        return raw.beginTransaction(definition);
    }

    @Override
    public Publisher<Void> commitTransaction() {
        return raw.commitTransaction();
    }

    @Override
    public Batch createBatch() {
        Batch batch = raw.createBatch();
        io.sluice.Lane lane = pooled;
        return lane == null ? batch : new Batch() {
            @Override
            public Batch add(String sql) {
                batch.add(PoolerStatements.check(lane, sql));
                return this;
            }

            @Override
            public Publisher<? extends io.r2dbc.spi.Result> execute() {
                return batch.execute();
            }
        };
    }

    @Override
    public Publisher<Void> createSavepoint(String name) {
        return raw.createSavepoint(name);
    }

    @Override
    public Statement createStatement(String sql) {
        io.sluice.Lane lane = pooled;
        return raw.createStatement(lane == null ? sql : PoolerStatements.check(lane, sql));
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
        return raw.releaseSavepoint(name);
    }

    @Override
    public Publisher<Void> rollbackTransaction() {
        return raw.rollbackTransaction();
    }

    @Override
    public Publisher<Void> rollbackTransactionToSavepoint(String name) {
        return raw.rollbackTransactionToSavepoint(name);
    }

    @Override
    public Publisher<Void> setAutoCommit(boolean autoCommit) {
        return raw.setAutoCommit(autoCommit);
    }

    @Override
    public Publisher<Void> setLockWaitTimeout(Duration timeout) {
        return raw.setLockWaitTimeout(timeout);
    }

    @Override
    public Publisher<Void> setStatementTimeout(Duration timeout) {
        return raw.setStatementTimeout(timeout);
    }

    @Override
    public Publisher<Void> setTransactionIsolationLevel(IsolationLevel level) {
        return raw.setTransactionIsolationLevel(level);
    }

    @Override
    public Publisher<Boolean> validate(ValidationDepth depth) {
        return raw.validate(depth);
    }

    @Override
    public String toString() {
        return "LeasedConnection[" + raw + "]";
    }
}
