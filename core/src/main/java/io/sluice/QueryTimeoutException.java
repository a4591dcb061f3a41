package io.sluice;

import org.jspecify.annotations.Nullable;

/** A statement was cancelled by the server (SQLSTATE 57014), usually because it ran past {@code statement_timeout}. The connection stays usable. */
public class QueryTimeoutException extends SluiceException {

    private static final long serialVersionUID = 1L;

    public QueryTimeoutException(String message, @Nullable Lane lane, @Nullable String sqlState, @Nullable Throwable cause) {
        super(message, lane, sqlState, cause);
    }

    @Override
    public FailureKind kind() {
        return FailureKind.QUERY_TIMEOUT;
    }
}
