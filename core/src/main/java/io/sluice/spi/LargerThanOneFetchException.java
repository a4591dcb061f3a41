package io.sluice.spi;

/**
 * A streamed statement tried on a {@link SharedConnection} returned more rows than one fetch. The statement
 * was declared safe to run again, and none of its rows were emitted; the facade runs it again on a connection
 * of its own, where its rows stream with backpressure. Never reaches the caller.
 */
public final class LargerThanOneFetchException extends RuntimeException {

    public LargerThanOneFetchException(int fetchSize) {
        super("the result is larger than one fetch of " + fetchSize + " rows", null, false, false);
    }
}
