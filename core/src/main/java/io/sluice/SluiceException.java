package io.sluice;

import org.jspecify.annotations.Nullable;

/**
 * Base of every error Sluice raises. It names the lane (when there is one), carries the SQLSTATE (when
 * the server sent one) and keeps the original exception as its cause. Neither the message nor the cause
 * chain contains bind values: a driver exception is kept as a stand-in of the same R2DBC class with its
 * SQLSTATE, SQL, stack trace and original class name, but with quoted values redacted and without the
 * server's DETAIL and the driver's other error fields (see {@code io.sluice.internal.Failures}).
 */
public abstract class SluiceException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final @Nullable Lane lane;
    private final @Nullable String sqlState;
    private volatile boolean retrySafe;

    protected SluiceException(String message, @Nullable Lane lane, @Nullable String sqlState, @Nullable Throwable cause) {
        super(message, cause);
        this.lane = lane;
        this.sqlState = sqlState;
    }

    /**
     * For rejections raised many times a second as control flow (overload, open breaker): no stack trace,
     * which would cost more than the rejection itself and say nothing.
     */
    protected SluiceException(String message, @Nullable Lane lane, @Nullable Throwable cause, boolean writableStackTrace) {
        super(message, cause, false, writableStackTrace);
        this.lane = lane;
        this.sqlState = null;
    }

    /** The lane the work ran on, or {@code null} when the failure is not tied to one. */
    public @Nullable Lane lane() {
        return lane;
    }

    /** The five-character SQLSTATE the server reported, or {@code null}. */
    public @Nullable String sqlState() {
        return sqlState;
    }

    public abstract FailureKind kind();

    /** Whether running the same (retry-safe) work again may succeed. */
    public boolean isTransient() {
        return kind().isTransient();
    }

    /**
     * Whether running the failed work again cannot apply a write twice: nothing had been sent to the
     * server yet, or the work was read-only, declared idempotent, or a whole transaction that was rolled
     * back. Set by the facade, which knows how far the work got.
     */
    public boolean isRetrySafe() {
        return retrySafe;
    }

    /** Whether a retry policy may run the work again: transient and retry-safe. */
    public boolean isRetryable() {
        return isTransient() && retrySafe;
    }

    void markRetrySafe(boolean safe) {
        this.retrySafe = safe;
    }

    static String prefix(@Nullable Lane lane) {
        return lane == null ? "" : "[lane " + lane.name() + "] ";
    }
}
