package io.sluice;

import org.jspecify.annotations.Nullable;

/** The lane's circuit breaker does not let work through: the database failed too often lately. */
public class CircuitOpenException extends SluiceException {

    private static final long serialVersionUID = 1L;

    private final String state;
    private final java.time.@Nullable Duration retryAfter;

    public CircuitOpenException(Lane lane, String state, @Nullable Throwable cause) {
        this(lane, state, null, cause);
    }

    public CircuitOpenException(Lane lane, String state, java.time.@Nullable Duration retryAfter, @Nullable Throwable cause) {
        super(prefix(lane) + "circuit breaker is " + state + ": the lane failed at once instead of trying the database, "
                + "which failed too often lately. It lets trial calls through after its wait"
                + (retryAfter == null ? "" : " (" + retryAfter.toMillis() + " ms)") + "; retry later", lane, cause, false);
        this.state = state;
        this.retryAfter = retryAfter;
    }

    /**
     * The breaker's wait in the open state, when known: a caller that comes back after it finds the breaker
     * letting trial calls through (or closed). A ready value for an HTTP {@code Retry-After}.
     */
    public java.time.@Nullable Duration retryAfter() {
        return retryAfter;
    }

    /** The breaker's state, e.g. {@code OPEN} or {@code HALF_OPEN}. */
    public String state() {
        return state;
    }

    @Override
    public FailureKind kind() {
        return FailureKind.CIRCUIT_OPEN;
    }
}
