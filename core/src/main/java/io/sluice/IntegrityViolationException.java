package io.sluice;

import org.jspecify.annotations.Nullable;

/** A constraint rejected the data (SQLSTATE class 23: unique, foreign key, not null, check). The caller's error, never retried. */
public class IntegrityViolationException extends SluiceException {

    private static final long serialVersionUID = 1L;

    private final @Nullable String constraint;

    public IntegrityViolationException(String message, @Nullable Lane lane, @Nullable String sqlState, @Nullable Throwable cause) {
        this(message, lane, sqlState, null, cause);
    }

    public IntegrityViolationException(String message, @Nullable Lane lane, @Nullable String sqlState,
                                       @Nullable String constraint, @Nullable Throwable cause) {
        super(message, lane, sqlState, cause);
        this.constraint = constraint;
    }

    /**
     * The name of the constraint that rejected the data, e.g. {@code recipe_name_key}, when the server
     * named one (unique, foreign key, check, exclusion; not for NOT NULL), else {@code null}: map a duplicate
     * to 409 by it instead of parsing the message.
     */
    public @Nullable String constraint() {
        return constraint;
    }

    @Override
    public FailureKind kind() {
        return FailureKind.INTEGRITY_VIOLATION;
    }
}
