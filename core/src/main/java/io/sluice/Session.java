package io.sluice;

import io.r2dbc.spi.Connection;

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
}
