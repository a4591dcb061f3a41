package io.sluice.load.measure;

import io.sluice.ConnectionUnavailableException;
import io.sluice.FailureKind;
import io.sluice.internal.Failures;
import io.sluice.SluiceException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.concurrent.TimeoutException;

/**
 * A failed unit of work, classified the same way for every client (Sluice, r2dbc-pool, JDBC, Vert.x) so
 * their counts can be compared.
 *
 * @param outcome   rejected, timeout or error
 * @param type      a short, low-cardinality label: Sluice's {@link FailureKind}, else the exception's simple
 *                  class name, with the SQLSTATE when there is one
 * @param retryable whether running the same retry-safe work again may succeed
 */
public record Failure(Outcome outcome, String type, boolean retryable) {

    /** Raised by the harness itself when an open-loop series has too much work in flight to issue more. */
    public static final class InFlightCapException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public InFlightCapException(int cap) {
            super("the harness has " + cap + " operations of this series in flight and issues no more until some finish");
        }
    }

    public static Failure classify(Throwable error) {
        Throwable e = unwrap(error);
        if (e instanceof InFlightCapException) {
            return new Failure(Outcome.REJECTED, "harness-in-flight-cap", false);
        }
        if (e instanceof SluiceException s) {
            return sluice(s);
        }
        String name = e.getClass().getSimpleName();
        String state = sqlState(e);
        String type = state == null ? name : name + "[" + state + "]";
        if (name.equals("PoolAcquirePendingLimitException") || name.equals("ConnectionPoolTooBusyException")) {
            return new Failure(Outcome.REJECTED, type, false);
        }
        if (e instanceof TimeoutException || e instanceof SQLTransientConnectionException || "57014".equals(state)
                || name.equals("R2dbcTimeoutException") || name.equals("NoStackTraceTimeoutException")) {
            return new Failure(Outcome.TIMEOUT, type, false);
        }
        FailureKind kind = Failures.classify(e);
        boolean transientFailure = kind != null ? kind.isTransient() : isTransientState(state);
        return new Failure(Outcome.ERROR, type, transientFailure);
    }

    private static Failure sluice(SluiceException s) {
        FailureKind kind = s.kind();
        if (kind == FailureKind.QUERY_TIMEOUT || kind == FailureKind.DEADLINE_EXCEEDED) {
            return new Failure(Outcome.TIMEOUT, kind.name(), false);
        }
        if (kind == FailureKind.OVERLOADED || kind == FailureKind.CIRCUIT_OPEN) {
            return new Failure(Outcome.REJECTED, kind.name(), false);
        }
        if (s instanceof ConnectionUnavailableException c && c.sqlState() == null && c.getCause() == null && c.waited() != null) {
            return new Failure(Outcome.TIMEOUT, kind.name() + "[acquire-timeout]", true);
        }
        if (s instanceof ConnectionUnavailableException && s.sqlState() == null) {
            String cause = s.getCause() == null ? "" : s.getCause().getClass().getSimpleName();
            if (cause.equals("PoolAcquirePendingLimitException")) {
                return new Failure(Outcome.REJECTED, kind.name() + "[queue-full]", true);
            }
            if (cause.equals("R2dbcTimeoutException")) {
                return new Failure(Outcome.TIMEOUT, kind.name() + "[acquire-timeout]", true);
            }
        }
        return new Failure(Outcome.ERROR, s.sqlState() == null ? kind.name() : kind.name() + "[" + s.sqlState() + "]",
                s.isTransient());
    }

    private static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof java.util.concurrent.CompletionException || t instanceof java.util.concurrent.ExecutionException
                || t.getClass() == RuntimeException.class) && t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    private static String sqlState(Throwable e) {
        if (e instanceof SQLException s) {
            return s.getSQLState();
        }
        if (e instanceof io.r2dbc.spi.R2dbcException r) {
            return r.getSqlState();
        }
        try {
            // Vert.x's PgException, without a compile-time dependency in this class
            Object v = e.getClass().getMethod("getSqlState").invoke(e);
            return v == null ? null : v.toString();
        } catch (ReflectiveOperationException | RuntimeException ignored) {
            return null;
        }
    }

    private static boolean isTransientState(String state) {
        return state != null && (state.startsWith("08") || state.equals("40001") || state.equals("40P01")
                || state.equals("57P01") || state.equals("53300"));
    }
}
