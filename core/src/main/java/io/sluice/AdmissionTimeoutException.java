package io.sluice;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The work waited in its lane's admission queue for the whole acquire timeout and was not admitted: the
 * lane was saturated by its own work (or was yielding to a more important lane). A kind of
 * {@link ConnectionUnavailableException}, retried like one (always retry-safe: the work never reached the
 * server); unlike one from the pool, it says nothing about the database, so it never counts against the
 * circuit breaker.
 */
public class AdmissionTimeoutException extends ConnectionUnavailableException {

    private static final long serialVersionUID = 1L;

    public AdmissionTimeoutException(String message, Lane lane, Duration waited, @Nullable PoolSnapshot pool) {
        super(message, lane, null, waited, pool, null);
        markRetrySafe(true);   // it never reached the server
    }
}
