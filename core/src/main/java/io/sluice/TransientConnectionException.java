package io.sluice;

import org.jspecify.annotations.Nullable;

/** The connection broke before or during the work (SQLSTATE class 08, 57P01-57P03, or a closed socket). Whether a write took effect is unknown; retry-safe work may be run again. */
public class TransientConnectionException extends SluiceException {

    private static final long serialVersionUID = 1L;

    public TransientConnectionException(String message, @Nullable Lane lane, @Nullable String sqlState, @Nullable Throwable cause) {
        super(message, lane, sqlState, cause);
    }

    @Override
    public FailureKind kind() {
        return FailureKind.CONNECTION_LOST;
    }
}
