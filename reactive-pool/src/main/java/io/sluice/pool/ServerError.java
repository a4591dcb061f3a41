package io.sluice.pool;

import io.r2dbc.postgresql.message.backend.ErrorResponse;
import io.r2dbc.postgresql.message.backend.Field;
import io.r2dbc.spi.R2dbcNonTransientException;
import org.jspecify.annotations.Nullable;

/**
 * A PostgreSQL ErrorResponse received on a shared connection, as an R2DBC exception carrying its SQLSTATE,
 * which Sluice's failure translation classifies like the driver's own exceptions.
 */
final class ServerError extends R2dbcNonTransientException {

    private ServerError(String message, @Nullable String sqlState, @Nullable String sql) {
        super(message, sqlState, 0, sql);
    }

    static ServerError of(ErrorResponse response, @Nullable String sql) {
        String message = null;
        String state = null;
        for (Field f : response.getFields()) {
            if (f.getType() == Field.FieldType.MESSAGE) {
                message = f.getValue();
            } else if (f.getType() == Field.FieldType.CODE) {
                state = f.getValue();
            }
        }
        return new ServerError(message == null ? "server error" : message, state, sql);
    }

    /** Statement cancelled (by a cancel request or statement_timeout). */
    boolean cancelled() {
        return "57014".equals(getSqlState());
    }
}
