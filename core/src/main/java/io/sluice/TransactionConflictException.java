package io.sluice;

import org.jspecify.annotations.Nullable;

/** The transaction lost a conflict with another one and was rolled back; running it again may succeed. */
public abstract class TransactionConflictException extends SluiceException {

    private static final long serialVersionUID = 1L;

    public TransactionConflictException(String message, @Nullable Lane lane, @Nullable String sqlState, @Nullable Throwable cause) {
        super(message, lane, sqlState, cause);
    }

}
