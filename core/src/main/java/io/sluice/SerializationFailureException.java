package io.sluice;

import org.jspecify.annotations.Nullable;

/** Serialization failure (SQLSTATE 40001): the transaction lost a race under REPEATABLE READ or SERIALIZABLE. */
public class SerializationFailureException extends TransactionConflictException {

    private static final long serialVersionUID = 1L;

    public SerializationFailureException(String message, @Nullable Lane lane, @Nullable String sqlState, @Nullable Throwable cause) {
        super(message, lane, sqlState, cause);
    }

    @Override
    public FailureKind kind() {
        return FailureKind.SERIALIZATION_FAILURE;
    }
}
