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

    public ConnectionUnavailableException(String message, @Nullable Lane lane, @Nullable String sqlState,
                                          @Nullable Duration waited, @Nullable PoolSnapshot pool, @Nullable Throwable cause) {
        super(message, lane, sqlState, cause);
        this.waited = waited;
        this.pool = pool;
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
