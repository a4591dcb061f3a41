package io.sluice;

import org.jspecify.annotations.Nullable;

/** The SQL is wrong (SQLSTATE class 42: syntax error, unknown table or column, insufficient privilege). The caller's error, never retried. */
public class BadSqlException extends SluiceException {

    private static final long serialVersionUID = 1L;

    public BadSqlException(String message, @Nullable Lane lane, @Nullable String sqlState, @Nullable Throwable cause) {
        super(message, lane, sqlState, cause);
    }

    @Override
    public FailureKind kind() {
        return FailureKind.BAD_SQL;
    }
}
