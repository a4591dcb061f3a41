package io.sluice;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The results of a query mapped to {@code T}. Each method is cold: every subscription runs the statement
 * anew.
 */
public interface Rows<T> {

    /** Exactly one row; no rows or more than one fail with {@link ResultSizeException}. */
    Mono<T> one();

    /** At most one row: empty when there is none; more than one fail with {@link ResultSizeException}. */
    Mono<T> optional();

    /**
     * Every row, streamed with backpressure: rows are fetched from the server in batches of the lane's
     * fetch size as the subscriber asks for them, so a slow subscriber never makes the whole result pile
     * up in memory. Cancelling (for example with {@code take(n)}) stops the query.
     */
    Flux<T> all();
}
