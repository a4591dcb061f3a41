package io.sluice;

import io.r2dbc.spi.Connection;
import java.util.List;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

/**
 * One borrowed connection of a lane, valid only inside the function given to
 * {@link Database#withConnection} or {@link Database#inTransaction}. Using it after that function's
 * publisher terminated fails with {@link SessionClosedException}.
 */
public interface Session {

    Lane lane();

    /** Whether this session runs inside a transaction that Sluice commits or rolls back. */
    boolean inTransaction();

    /** A statement on this session's connection. */
    Query sql(String sql);

    /**
     * The underlying R2DBC connection, for what the query API does not cover. Do not close it: Sluice
     * releases it. A unit that sends anything through it (a statement, a batch, a transaction or timeout
     * call) may have changed the server session ({@code SET}, {@code LISTEN}, a temporary table, a prepared
     * statement, a session advisory lock), so at the unit's end the connection is closed and replaced
     * instead of going back to the pool: no next borrower sees that state, at the price of a new
     * connection. Prefer {@link #sql(String)}, {@link TxOptions} or {@code SET LOCAL} for hot paths.
     */
    Connection connection();

    /**
     * A batch on this session's connection ({@link Batch}): inside this session's transaction, or in one of
     * its own when the session has none, so it is kept whole or not at all.
     */
    Batch batch();

    /**
     * Runs {@code work} inside a savepoint of this session's transaction. When {@code work} fails, the
     * transaction is rolled back to the savepoint and goes on (what {@code work} did is undone, what came
     * before is kept); the failure is still signalled, for the caller to handle (e.g. with
     * {@code onErrorResume}). When it succeeds the savepoint is released. Only inside a transaction
     * ({@link Database#inTransaction}); elsewhere it fails with {@link IllegalStateException}.
     */
    <T> Mono<T> savepoint(Function<Session, ? extends Mono<T>> work);

    /**
     * Inserts {@code rows} into {@code table}: many rows per statement ({@code INSERT ... VALUES (..), (..)}),
     * read from {@code rows} with backpressure, one statement at a time, within this session's transaction
     * or one of its own. Emits the number of rows inserted. Values follow the query API's rules (a null
     * needs {@link Batch#nullOf(Class)}).
     */
    Mono<Long> insertRows(String table, List<String> columns, Publisher<? extends List<?>> rows);

    /**
     * Streams {@code rows} into {@code table} with PostgreSQL's {@code COPY ... FROM STDIN} (text format),
     * reading them with backpressure, so memory stays bounded however many rows there are. One statement:
     * all rows or none. Emits the number of rows copied. Values: see {@link Database#copyIn}.
     */
    Mono<Long> copyIn(String table, List<String> columns, Publisher<? extends List<?>> rows);
}
