package io.sluice.spi;

import io.r2dbc.spi.Connection;

/**
 * A connection handed out by {@link LaneSource#acquireForStatement} for one autocommit statement that
 * shares its server connection with other such statements (a multiplexed lane). It carries no session
 * state and no transaction, so there is nothing to roll back when its unit ends; the facade releases it
 * without a round trip, and {@link LaneSource#cancelStatement} cancels only this statement (or, where the
 * protocol cannot target it, follows the rule the source documents).
 */
public interface SharedConnection extends Connection {
}
