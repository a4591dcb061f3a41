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
     * The underlying R2DBC connection, for what the query API does not cover. Do not close it and do not
     * change session state with it (use {@link TxOptions} or {@code SET LOCAL} instead): Sluice releases
     * it, and session-level settings would reach the next borrower.
     */
    Connection connection();
}
