package io.sluice.internal;

import io.r2dbc.spi.R2dbcException;
import io.sluice.*;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcTimeoutException;
import io.r2dbc.spi.R2dbcTransientResourceException;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * Turns driver and network exceptions into Sluice's typed exceptions, classified by SQLSTATE.
 *
 * <p>Why by SQLSTATE and not by the R2DBC exception hierarchy: r2dbc-postgresql reports a lost
 * connection, an admin shutdown (57P01) or "too many connections" (53300) as
 * {@code R2dbcNonTransient*Exception}, so a policy keyed on the driver's "transient" types would retry
 * none of them.
 *
 * <p>Bind values never reach what it hands out: the cause it keeps is the driver's exception redacted by
 * {@link Redaction} (same R2DBC category, SQLSTATE, SQL and stack; no quoted values, no DETAIL), and so is the
 * cause's own chain.
 */
/**
 * Not API: shared between Sluice's own modules (the facade and the pool), free to change in any release.
 */
public final class Failures {

    private Failures() {
    }

    /**
     * The typed form of {@code error}: a {@link SluiceException} is returned as is; a driver or network
     * exception is wrapped, kept as the cause in its redacted form (see {@link Redaction}); any other
     * exception, such as one thrown by the caller's own code, is returned unchanged.
     */
    public static Throwable translate(@Nullable Lane lane, Throwable error) {
        if (error instanceof SluiceException) {
            return error;
        }
        if (error instanceof R2dbcException r) {
            return fromR2dbc(lane, r);
        }
        if (isNetworkFailure(error)) {
            Throwable cause = Redaction.redact(error);
            return new TransientConnectionException(prefix(lane) + "connection lost: " + cause,
                    lane, null, cause);
        }
        return error;
    }

    /** The kind of a failure, for retry and breaker decisions; {@code null} for errors that are not Sluice's to judge. */
    public static @Nullable FailureKind classify(Throwable error) {
        Throwable t = translate(null, error);
        return t instanceof SluiceException s ? s.kind() : null;
    }

    private static SluiceException fromR2dbc(@Nullable Lane lane, R2dbcException e) {
        R2dbcException cause = Redaction.standIn(e);
        String state = e.getSqlState();
        String at = e.getSql() == null ? "" : " in: " + excerpt(e.getSql());
        String p = prefix(lane);
        if (state == null || state.isEmpty()) {
            if (e instanceof R2dbcTimeoutException) {
                return new ConnectionUnavailableException(p + "timed out: " + e.getMessage(), lane, null, null, null, cause);
            }
            if (e instanceof R2dbcNonTransientResourceException || e instanceof R2dbcTransientResourceException
                    || isNetworkFailure(e)) {
                return new TransientConnectionException(p + "connection lost: " + e.getMessage() + at, lane, null, cause);
            }
            return new DatabaseException(p + "database error: " + e.getMessage() + at, lane, null, cause);
        }
        String detail = Redaction.message(state, e.getMessage()) + " (SQLSTATE " + state + ")" + at;
        if (state.equals("57014")) {
            return new QueryTimeoutException(p + "statement cancelled, usually by statement_timeout: " + detail
                    + ". Raise the timeout for this work or make the statement faster", lane, state, cause);
        }
        if (state.equals("08P01")) {
            return new ProtocolViolationException(p + "the server rejected the request as a protocol violation: " + detail
                    + ". The connection was replaced and the work is not retried; a statement with more than 65,535 "
                    + "parameters or a message over 1 GB is the usual cause", lane, state, cause);
        }
        if (state.startsWith("08") || state.equals("57P01") || state.equals("57P02") || state.equals("57P03")) {
            return new TransientConnectionException(p + "connection lost: " + detail, lane, state, cause);
        }
        if (state.equals("53300")) {
            return new ConnectionUnavailableException(p + "the server refused a connection: " + detail
                    + ". Lower the lanes' maxSize or raise max_connections", lane, state, null, null, cause);
        }
        if (state.equals("40001")) {
            return new SerializationFailureException(p + "serialization failure: " + detail, lane, state, cause);
        }
        if (state.equals("40P01")) {
            return new DeadlockException(p + "deadlock detected: " + detail, lane, state, cause);
        }
        if (state.startsWith("23")) {
            return new IntegrityViolationException(p + "integrity violation: " + detail, lane, state, constraintOf(e), cause);
        }
        if (state.startsWith("42")) {
            return new BadSqlException(p + "bad SQL: " + detail, lane, state, cause);
        }
        return new DatabaseException(p + "database error: " + detail, lane, state, cause);
    }

    /**
     * The constraint the server named, read from r2dbc-postgresql's {@code PostgresqlException} error details
     * (reflectively: the core depends on the R2DBC SPI only); null for other drivers or when none was named.
     */
    static @Nullable String constraintOf(R2dbcException e) {
        try {
            Class<?> pg = Class.forName("io.r2dbc.postgresql.api.PostgresqlException", false, e.getClass().getClassLoader());
            if (!pg.isInstance(e)) {
                return null;
            }
            Object details = pg.getMethod("getErrorDetails").invoke(e);
            Object name = details.getClass().getMethod("getConstraintName").invoke(details);
            return name instanceof java.util.Optional<?> o ? (String) o.orElse(null) : null;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError x) {
            return null;
        }
    }

    private static boolean isNetworkFailure(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof IOException) {
                return true;
            }
            String name = t.getClass().getName();
            if (name.endsWith("PostgresConnectionClosedException") || name.endsWith("ConnectTimeoutException")) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    /** The first 200 characters of a statement, on one line, for messages. */
    public static String excerpt(String sql) {
        String oneLine = sql.strip().replaceAll("\\s+", " ");
        return oneLine.length() <= 200 ? oneLine : oneLine.substring(0, 200) + "…";
    }

    /** "[lane name] ", the prefix of every message tied to a lane; empty without one. */
    public static String prefix(@Nullable Lane lane) {
        return lane == null ? "" : "[lane " + lane.name() + "] ";
    }
}
