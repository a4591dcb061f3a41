package io.sluice;

import io.sluice.spi.ConnectionSource;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The facade an application codes against.
 *
 * <p>Every method is cold and scoped to its subscription: subscribing borrows a connection of the lane;
 * the connection is released when the returned publisher completes, fails or is cancelled, always.
 * Nothing is bound to a thread. Errors from the driver arrive as typed {@link SluiceException}s; errors
 * thrown by the caller's own function arrive unchanged.
 */
public interface Database {

    /** A facade over a connection source, such as {@code Lanes} from {@code sluice-reactive-pool}. */
    static Database over(ConnectionSource source) {
        return new DefaultDatabase(source);
    }

    /** Runs {@code work} on one connection of {@code lane} in autocommit mode. */
    <T> Mono<T> withConnection(Lane lane, Function<Session, ? extends Mono<T>> work);

    /** Runs {@code work} on one connection of {@code lane} in autocommit mode; for many results. */
    <T> Flux<T> withConnectionMany(Lane lane, Function<Session, ? extends Publisher<T>> work);

    /**
     * Runs {@code work} in one transaction on one connection of {@code lane}: committed when the work
     * completes, rolled back when it fails or is cancelled. A transaction in which a statement failed and
     * no later statement succeeded (PostgreSQL has aborted it) is rolled back and reported, never
     * silently "committed".
     */
    <T> Mono<T> inTransaction(Lane lane, TxOptions options, Function<Session, ? extends Mono<T>> work);

    /** As {@link #inTransaction(Lane, TxOptions, Function)}, for many results. */
    <T> Flux<T> inTransactionMany(Lane lane, TxOptions options, Function<Session, ? extends Publisher<T>> work);

    /** As {@link #inTransaction(Lane, TxOptions, Function)} with the lane's default options. */
    default <T> Mono<T> inTransaction(Lane lane, Function<Session, ? extends Mono<T>> work) {
        return inTransaction(lane, TxOptions.defaults(), work);
    }

    /** One statement that borrows its own connection of {@code lane} each time it runs (autocommit). */
    Query sql(Lane lane, String sql);
}
