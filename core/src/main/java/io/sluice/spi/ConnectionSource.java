package io.sluice.spi;

import io.r2dbc.spi.Connection;
import io.sluice.Lane;
import java.util.Set;
import reactor.core.publisher.Flux;
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

    /** What the facade needs to know of the lane. */
    LaneSettings settings(Lane lane);

    /**
     * Wraps one unit of work of the lane (acquire, work, release) with the lane's resilience — circuit
     * breaker, admission gate, retry. The unit is cold and may be subscribed again for a retry, so every
     * attempt passes the breaker and the gate again. Identity by default.
     */
    default <T> Flux<T> guard(Lane lane, Flux<T> unit) {
        return unit;
    }

    /** As {@link #guard(Lane, Flux)}, for a unit of work with at most one result. */
    default <T> Mono<T> guard(Lane lane, Mono<T> unit) {
        return unit;
    }

    /** The lanes this source serves. */
    Set<Lane> lanes();
}
