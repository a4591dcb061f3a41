package io.sluice;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * No connection could be had for the work: the acquire timed out, the lane's wait queue was full, or no
 * new connection could be opened. The message names the lane, how long the caller waited and the pool's
 * state at that moment; the last connection failure, if any, is the cause.
 */
public class ConnectionUnavailableException extends SluiceException {

    private static final long serialVersionUID = 1L;

    private final @Nullable Duration waited;
    private final @Nullable PoolSnapshot pool;
    private final boolean transientFailure;

    public ConnectionUnavailableException(String message, @Nullable Lane lane, @Nullable String sqlState,
                                          @Nullable Duration waited, @Nullable PoolSnapshot pool, @Nullable Throwable cause) {
        this(message, lane, sqlState, waited, pool, cause, true);
    }

    /**
     * @param transientFailure false when trying again cannot help: the server refused the role or the
     *                         database (SQLSTATE classes 28 and 3D), a configuration error
     */
    public ConnectionUnavailableException(String message, @Nullable Lane lane, @Nullable String sqlState,
                                          @Nullable Duration waited, @Nullable PoolSnapshot pool, @Nullable Throwable cause,
                                          boolean transientFailure) {
        super(message, lane, sqlState, cause);
        this.waited = waited;
        this.pool = pool;
        this.transientFailure = transientFailure;
    }

    @Override
    public boolean isTransient() {
        return transientFailure;
    }

    /** How long the caller waited before this was raised, when known. */
    public @Nullable Duration waited() {
        return waited;
    }

    /** The lane's pool when this was raised, when known. */
    public @Nullable PoolSnapshot pool() {
        return pool;
    }

    @Override
    public FailureKind kind() {
        return FailureKind.CONNECTION_UNAVAILABLE;
    }
}
