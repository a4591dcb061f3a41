package io.sluice;

import org.jspecify.annotations.Nullable;

/** Deadlock detected (SQLSTATE 40P01): the server chose this transaction as the victim. */
public class DeadlockException extends TransactionConflictException {

    private static final long serialVersionUID = 1L;

    public DeadlockException(String message, @Nullable Lane lane, @Nullable String sqlState, @Nullable Throwable cause) {
        super(message, lane, sqlState, cause);
    }

    @Override
    public FailureKind kind() {
        return FailureKind.DEADLOCK;
    }
}
