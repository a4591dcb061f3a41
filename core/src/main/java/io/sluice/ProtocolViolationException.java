package io.sluice;

import org.jspecify.annotations.Nullable;

/**
 * The server answered with SQLSTATE 08P01, a protocol violation: usually a statement the protocol cannot
 * carry (more than 65,535 parameters, a message over 1 GB). It is the request's fault, not the
 * database's: the connection is replaced (its state is unknown), the work is never retried, and the
 * lane's circuit breaker does not count it.
 */
public class ProtocolViolationException extends SluiceException {

    private static final long serialVersionUID = 1L;

    public ProtocolViolationException(String message, @Nullable Lane lane, @Nullable String sqlState, @Nullable Throwable cause) {
        super(message, lane, sqlState, cause);
    }

    @Override
    public FailureKind kind() {
        return FailureKind.PROTOCOL_VIOLATION;
    }
}
