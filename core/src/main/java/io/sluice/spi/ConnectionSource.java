package io.sluice.spi;

import io.r2dbc.spi.Connection;
import io.sluice.Lane;
import io.sluice.TxOptions;
import java.util.Set;
import reactor.core.publisher.Mono;

/**
 * Lends connections of a lane to the {@link io.sluice.Database} facade. Implemented by
 * {@code sluice-reactive-pool}; {@code core} knows no pool.
 *
 * <p>Contract: {@link #acquire(Lane)} is cold; each connection it emits is owned by the subscriber,
 * which hands it back exactly once with {@link #release(Lane, Connection)} or
 * {@link #discard(Lane, Connection)}. A connection that arrives after the subscriber cancelled is
 * released by the source, not lost.
 */
public interface ConnectionSource {

    /**
     * Borrows a connection of the lane. Cold: nothing happens until subscribed.
     *
     * <p>Fails with {@link io.sluice.UnknownLaneException} for a lane that is not configured,
     * {@link io.sluice.LaneClosedException} once closing began, and
     * {@link io.sluice.ConnectionUnavailableException} when none can be had in time.
     */
    Mono<Connection> acquire(Lane lane);

    /** Hands a healthy connection back to its lane, with no transaction open on it. */
    Mono<Void> release(Lane lane, Connection connection);

    /** Hands back a connection whose state is unknown: it is closed and never lent again. */
    Mono<Void> discard(Lane lane, Connection connection);

    /**
     * Asks the server to stop the statement running on this connection (PostgreSQL's cancel request),
     * used when the work's subscriber cancelled or failed while a statement was still running. Completes
     * once the request was delivered; the statement then fails on the server. Does nothing by default.
     */
    default Mono<Void> cancelStatement(Lane lane, Connection connection) {
        return Mono.empty();
    }

    /** The lane's defaults for transactions; a transaction's own {@link TxOptions} win over them. */
    TxOptions transactionDefaults(Lane lane);

    /** Rows fetched per round trip when a result is streamed with {@code all()}; 0 reads the whole result at once. */
    int fetchSize(Lane lane);

    /** The lanes this source serves. */
    Set<Lane> lanes();
}
