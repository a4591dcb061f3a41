package io.sluice.spi;

import io.r2dbc.spi.Connection;
import io.sluice.Lane;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One lane of a {@link ConnectionSource}: everything a unit of work needs of its lane, resolved once per
 * unit ({@link ConnectionSource#lane(Lane)}), so the facade never looks the lane up again.
 *
 * <p>Contract: {@link #acquire()} is cold; each connection it emits is owned by the subscriber, which hands
 * it back exactly once with {@link #release(Connection)} or {@link #discard(Connection)}. A connection that
 * arrives after the subscriber cancelled is released by the source, not lost.
 */
public interface LaneSource {

    Lane lane();

    /** What the facade needs to know of the lane. */
    LaneSettings settings();

    /**
     * Whether the facade captures each unit's {@link CallSite} at assembly and puts it in the unit's
     * context, for the lane's leak reports. False by default: capturing costs a short stack walk per unit.
     */
    default boolean recordsCallSites() {
        return false;
    }

    /**
     * Borrows a connection of the lane. Cold: nothing happens until subscribed. Fails with
     * {@link io.sluice.LaneClosedException} once closing began and with
     * {@link io.sluice.ConnectionUnavailableException} when none can be had in time.
     */
    Mono<Connection> acquire();

    /**
     * Borrows a connection for exactly one autocommit statement whose parameters have these Java types
     * (the first result read whole, nothing streamed, no session state changed). A multiplexed lane answers
     * with a {@link SharedConnection} that pipelines the statement with others on a few server connections;
     * a source that cannot send such a statement shared answers with {@link #acquire()}, which is the
     * default. Cold; the connection is handed back like any other.
     */
    default Mono<Connection> acquireForStatement(Class<?>[] parameterTypes) {
        return acquire();
    }

    /** Hands a healthy connection back, with no transaction open on it. */
    Mono<Void> release(Connection connection);

    /** Hands back a connection whose state is unknown: it is closed and never lent again. */
    Mono<Void> discard(Connection connection);

    /**
     * Asks the server to stop the statement running on this connection (PostgreSQL's cancel request).
     * Completes once the request was delivered. Does nothing by default.
     */
    default Mono<Void> cancelStatement(Connection connection) {
        return Mono.empty();
    }

    /**
     * Wraps one unit of work of the lane (acquire, work, release) with the lane's resilience — circuit
     * breaker, retry, admission gate. The unit is cold and may be subscribed again for a retry. Identity
     * by default.
     */
    default <T> Mono<T> guard(Mono<T> unit) {
        return unit;
    }

    /** As {@link #guard(Mono)}, for a unit of work with any number of results. */
    default <T> Flux<T> guard(Flux<T> unit) {
        return unit;
    }

    /**
     * Runs {@code sql} (a {@code COPY ... FROM STDIN}) on {@code connection}, sending {@code data} as its
     * input with backpressure; emits the rows the server copied. Fails by default: a source that can reach
     * its driver's COPY support overrides it.
     */
    default Mono<Long> copyIn(Connection connection, String sql, org.reactivestreams.Publisher<java.nio.ByteBuffer> data) {
        return Mono.error(new UnsupportedOperationException("this connection source does not support COPY"));
    }
}
