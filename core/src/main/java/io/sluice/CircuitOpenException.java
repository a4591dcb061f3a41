package io.sluice;

import org.jspecify.annotations.Nullable;

/** The lane's circuit breaker does not let work through: the database failed too often lately. */
public class CircuitOpenException extends SluiceException {

    private static final long serialVersionUID = 1L;

    private final String state;

    public CircuitOpenException(Lane lane, String state, @Nullable Throwable cause) {
        super(prefix(lane) + "circuit breaker is " + state + ": the lane failed at once instead of trying the database, "
                + "which failed too often lately. It lets trial calls through after its wait; retry later", lane, cause, false);
        this.state = state;
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
