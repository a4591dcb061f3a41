package io.sluice;

import org.jspecify.annotations.Nullable;

/** Any database error that no more specific type describes; {@link #sqlState()} tells which. */
public class DatabaseException extends SluiceException {

    private static final long serialVersionUID = 1L;

    public DatabaseException(String message, @Nullable Lane lane, @Nullable String sqlState, @Nullable Throwable cause) {
        super(message, lane, sqlState, cause);
    }

    @Override
    public FailureKind kind() {
        return FailureKind.OTHER;
    }
}
