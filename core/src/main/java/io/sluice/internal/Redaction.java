package io.sluice.internal;

import io.r2dbc.spi.R2dbcBadGrammarException;
import io.r2dbc.spi.R2dbcDataIntegrityViolationException;
import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.R2dbcNonTransientException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcPermissionDeniedException;
import io.r2dbc.spi.R2dbcRollbackException;
import io.r2dbc.spi.R2dbcTimeoutException;
import io.r2dbc.spi.R2dbcTransientException;
import io.r2dbc.spi.R2dbcTransientResourceException;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Keeps bind values out of what {@link Failures} hands out: the messages, and the cause chain that a logged
 * stack trace prints.
 *
 * <p>Why a stand-in for the driver's exception rather than the exception itself: PostgreSQL quotes the
 * offending value in the message of a data error ({@code invalid input syntax for type integer: "…"}), and
 * sends row and key values in the fields beside the message — DETAIL ({@code Failing row contains (…)},
 * {@code Key (email)=(…) already exists.}), WHERE ({@code JSON data, line 1: …}) — which r2dbc-postgresql
 * keeps on its exception ({@code PostgresqlException.getErrorDetails()}). The stand-in keeps what diagnoses the
 * failure: the R2DBC category (it is an instance of the same SPI class, e.g.
 * {@link R2dbcDataIntegrityViolationException}), the SQLSTATE, the error code, the SQL text (a statement, not
 * its values), the stack trace, and the original class name at the head of its message. It is built from the
 * SPI's own classes, so none of the driver's error fields is reachable from it.
 */
final class Redaction {

    /** From the first to the last double quote: PostgreSQL does not escape a quote inside a quoted value. */
    private static final Pattern QUOTED = Pattern.compile("\"[\\s\\S]*\"");
    /** Bytes of a value that did not decode, e.g. {@code invalid byte sequence for encoding "UTF8": 0xe2 0x82}. */
    private static final Pattern BYTES = Pattern.compile("0x[0-9a-fA-F]{2}(?: 0x[0-9a-fA-F]{2})*");

    private Redaction() {
    }

    /**
     * The server's message without the values it may quote. Only data errors (SQLSTATE class 22) put the
     * value in the message itself: {@code invalid input syntax for type integer: "abc"}, {@code value "99999"
     * is out of range for type smallint}, {@code invalid byte sequence for encoding "UTF8": 0x00}; there quoted
     * text and byte sequences become {@code "…"} and {@code …}. The other classes name the relation, column,
     * constraint or type in the message and put values in DETAIL (23505: {@code duplicate key value violates
     * unique constraint "users_email_key"}), so their message is kept whole. This reads the server's message
     * format, not a library's: {@code BindValuesNeverLoggedTest} pins it against a real server.
     */
    static String message(@Nullable String sqlState, @Nullable String message) {
        String m = String.valueOf(message);
        if (sqlState == null || !sqlState.startsWith("22")) {
            return m;
        }
        return BYTES.matcher(QUOTED.matcher(m).replaceAll("\"…\"")).replaceAll("…");
    }

    /** The stand-in for a driver exception, its cause chain and suppressed exceptions redacted too. */
    static R2dbcException standIn(R2dbcException e) {
        return standIn(e, Collections.newSetFromMap(new IdentityHashMap<>()));
    }

    /**
     * What may be kept of a throwable chained to a driver exception: a driver exception becomes its stand-in;
     * another throwable is kept as it is (network and JDK exceptions: addresses, states, never values) unless
     * a driver exception is chained to it, whose text its own message may repeat ({@code new
     * RuntimeException(cause)} takes the cause's {@code toString()}): then only its class and stack are kept.
     */
    static @Nullable Throwable redact(@Nullable Throwable t) {
        return redact(t, Collections.newSetFromMap(new IdentityHashMap<>()));
    }

    private static @Nullable Throwable redact(@Nullable Throwable t, Set<Throwable> seen) {
        if (t == null || !seen.add(t)) {
            return null;                                   // the end of the chain, or a cycle
        }
        if (t instanceof R2dbcException r) {
            return standIn(r, seen);
        }
        if (!holdsDriverError(t, Collections.newSetFromMap(new IdentityHashMap<>()))) {
            return t;
        }
        Throwable wrapper = new RuntimeException(t.getClass().getName()
                + " (message withheld: it may quote a database error)", redact(t.getCause(), seen));
        return finish(wrapper, t, seen);
    }

    private static R2dbcException standIn(R2dbcException e, Set<Throwable> seen) {
        seen.add(e);
        String m = e.getClass().getName() + (e.getMessage() == null ? "" : ": " + message(e.getSqlState(), e.getMessage()));
        return finish(sameCategory(e, m, redact(e.getCause(), seen)), e, seen);
    }

    private static <T extends Throwable> T finish(T standIn, Throwable original, Set<Throwable> seen) {
        standIn.setStackTrace(original.getStackTrace());
        for (Throwable s : original.getSuppressed()) {
            Throwable kept = redact(s, seen);
            if (kept != null) {
                standIn.addSuppressed(kept);
            }
        }
        return standIn;
    }

    private static boolean holdsDriverError(@Nullable Throwable t, Set<Throwable> seen) {
        if (t == null || !seen.add(t)) {
            return false;
        }
        if (t instanceof R2dbcException) {
            return true;
        }
        for (Throwable s : t.getSuppressed()) {
            if (holdsDriverError(s, seen)) {
                return true;
            }
        }
        return holdsDriverError(t.getCause(), seen);
    }

    /** An exception of the SPI class {@code e} is an instance of, the most specific one. */
    private static R2dbcException sameCategory(R2dbcException e, String m, @Nullable Throwable cause) {
        String state = e.getSqlState();
        int code = e.getErrorCode();
        String sql = e.getSql();
        if (e instanceof R2dbcBadGrammarException) {
            return new R2dbcBadGrammarException(m, state, code, sql, cause);
        }
        if (e instanceof R2dbcDataIntegrityViolationException) {
            return new R2dbcDataIntegrityViolationException(m, state, code, sql, cause);
        }
        if (e instanceof R2dbcPermissionDeniedException) {
            return new R2dbcPermissionDeniedException(m, state, code, sql, cause);
        }
        if (e instanceof R2dbcNonTransientResourceException) {
            return new R2dbcNonTransientResourceException(m, state, code, sql, cause);
        }
        if (e instanceof R2dbcRollbackException) {
            return new R2dbcRollbackException(m, state, code, sql, cause);
        }
        if (e instanceof R2dbcTimeoutException) {
            return new R2dbcTimeoutException(m, state, code, sql, cause);
        }
        if (e instanceof R2dbcTransientResourceException) {
            return new R2dbcTransientResourceException(m, state, code, sql, cause);
        }
        if (e instanceof R2dbcTransientException) {
            return new Transient(m, state, code, sql, cause);
        }
        if (e instanceof R2dbcNonTransientException) {
            return new NonTransient(m, state, code, sql, cause);
        }
        return new Other(m, state, code, sql, cause);
    }

    /** For a driver exception that is only an {@link R2dbcTransientException} (the SPI class is abstract). */
    private static final class Transient extends R2dbcTransientException {
        private static final long serialVersionUID = 1L;

        Transient(String m, @Nullable String state, int code, @Nullable String sql, @Nullable Throwable cause) {
            super(m, state, code, sql, cause);
        }
    }

    /** For a driver exception that is only an {@link R2dbcNonTransientException} (the SPI class is abstract). */
    private static final class NonTransient extends R2dbcNonTransientException {
        private static final long serialVersionUID = 1L;

        NonTransient(String m, @Nullable String state, int code, @Nullable String sql, @Nullable Throwable cause) {
            super(m, state, code, sql, cause);
        }
    }

    /** For a driver exception of no SPI category (the SPI's {@link R2dbcException} is abstract). */
    private static final class Other extends R2dbcException {
        private static final long serialVersionUID = 1L;

        Other(String m, @Nullable String state, int code, @Nullable String sql, @Nullable Throwable cause) {
            super(m, state, code, sql, cause);
        }
    }
}
