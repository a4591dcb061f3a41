package io.sluice;

import reactor.core.publisher.Mono;

/**
 * Many statements run as one: all of them or none. Built with {@link #add}, run with {@link #execute()}
 * (cold: each subscription runs the whole batch again).
 *
 * <p>How it travels: consecutive statements with the same SQL are bound to one driver statement
 * (R2DBC {@code Statement.add()}: parsed once, executed once per set of values); a run of statements
 * without parameters goes to the server as one multi-statement message ({@code Connection.createBatch()},
 * one round trip). The whole batch runs in one transaction: the caller's when it runs inside
 * {@link Database#inTransaction}, else one of its own. On failure nothing of it is kept and the error is a
 * {@link BatchException} that says which statement failed (its position, counted from 0) and carries
 * the typed error as its cause.
 *
 * <p>Values are positional ({@code $1, $2, ...}). A null needs its type: pass {@link #nullOf(Class)}.
 */
public interface Batch {

    /** Adds a statement with its values for {@code $1..$n}. Mistakes (wrong count, a bare null) fail {@link #execute()}. */
    Batch add(String sql, Object... values);

    /** Statements added so far. */
    int size();

    /** Runs the batch; emits the rows each statement changed, in order. An empty batch completes at once. */
    Mono<BatchResult> execute();

    /** A null value of the given Java type, for a batch's values: {@code batch.add(sql, 1, Batch.nullOf(String.class))}. */
    static Object nullOf(Class<?> type) {
        if (type == null) {
            throw new IllegalArgumentException("nullOf needs the Java type of the column, e.g. String.class");
        }
        return new DefaultBatch.TypedNull(type);
    }
}
