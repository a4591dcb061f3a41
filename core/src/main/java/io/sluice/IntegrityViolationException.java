package io.sluice;

import org.jspecify.annotations.Nullable;

/** A constraint rejected the data (SQLSTATE class 23: unique, foreign key, not null, check). The caller's error, never retried. */
public class IntegrityViolationException extends SluiceException {

    private static final long serialVersionUID = 1L;

    public IntegrityViolationException(String message, @Nullable Lane lane, @Nullable String sqlState, @Nullable Throwable cause) {
        super(message, lane, sqlState, cause);
    }

    @Override
    public FailureKind kind() {
        return FailureKind.INTEGRITY_VIOLATION;
    }
}
