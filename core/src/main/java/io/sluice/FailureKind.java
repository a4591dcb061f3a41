package io.sluice;

/**
 * What went wrong, in the terms retry and circuit-breaker policies need.
 *
 * <p>{@link #isTransient()}: the same work may succeed if tried again (when the work is retry-safe).
 * {@link #isInfrastructure()}: the failure says something about the database or the network, not about
 * the caller's request; only these count against a lane's circuit breaker.
 */
public enum FailureKind {
    /** No connection could be had: acquire timed out, the wait queue was full, or none could be opened (incl. 53300). */
    CONNECTION_UNAVAILABLE(true, true),
    /** The connection broke before or during the work (SQLSTATE class 08, 57P01-57P03, a closed socket). */
    CONNECTION_LOST(true, true),
    /**
     * The server reported a protocol violation (08P01): a request the protocol cannot carry. The connection
     * is replaced; the work is not retried and the breaker does not count it (it is the request's fault).
     */
    PROTOCOL_VIOLATION(false, false),
    /** A statement was cancelled, usually by {@code statement_timeout} (57014). */
    QUERY_TIMEOUT(false, true),
    /** Serialization failure (40001): the transaction lost a race and may be run again. */
    SERIALIZATION_FAILURE(true, false),
    /** Deadlock detected (40P01): the transaction was chosen as the victim and may be run again. */
    DEADLOCK(true, false),
    /** A constraint rejected the data (SQLSTATE class 23). */
    INTEGRITY_VIOLATION(false, false),
    /** The SQL is wrong: syntax, unknown table or column, permissions (SQLSTATE class 42). */
    BAD_SQL(false, false),
    /** The lane's admission gate is full: too much work in flight and waiting. Not retried (it would add load). */
    OVERLOADED(false, false),
    /** The lane's circuit breaker is open: the database failed too often lately, so work fails at once. */
    CIRCUIT_OPEN(false, false),
    /** The work's deadline (from the Reactor context) passed before it could start or finish. */
    DEADLINE_EXCEEDED(false, false),
    /** The lane is closed or closing and admits no new work. */
    LANE_CLOSED(false, false),
    /** The caller used the API wrongly: unknown lane, bad bind, wrong number of rows. */
    USAGE(false, false),
    /** Any other database error. */
    OTHER(false, false);

    private final boolean transientFailure;
    private final boolean infrastructure;

    FailureKind(boolean transientFailure, boolean infrastructure) {
        this.transientFailure = transientFailure;
        this.infrastructure = infrastructure;
    }

    public boolean isTransient() {
        return transientFailure;
    }

    public boolean isInfrastructure() {
        return infrastructure;
    }
}
