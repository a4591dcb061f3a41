package io.sluice.load.client;

import java.util.List;

/**
 * A database client under test: Sluice or a baseline. One instance per run, used from many threads.
 *
 * <p>{@link #execute} starts the work and returns without waiting for it (blocking clients hand it to
 * their threads); {@code done} is called exactly once, with {@code null} on success or the failure.
 */
public interface DbClient extends AutoCloseable {

    /** Opens the pools; connections are opened now so that no scenario starts with a connection storm. */
    void start() throws Exception;

    void execute(Work work, Completion done);

    /** The pools right now. */
    List<PoolState> pools();

    /** Closes every connection; work still running fails. */
    @Override
    void close();

    /** Called once when a unit of work ends. */
    @FunctionalInterface
    interface Completion {
        void done(Throwable errorOrNull);
    }

    /** A pool at one moment; null where the client does not expose a figure. */
    record PoolState(String pool, int maxSize, Integer allocated, Integer acquired, Integer idle, Integer pending) {
    }
}
