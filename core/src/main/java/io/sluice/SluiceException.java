package io.sluice;

import org.jspecify.annotations.Nullable;

/**
 * Base of every error Sluice raises. It names the lane (when there is one), carries the SQLSTATE (when
 * the server sent one) and keeps the original exception as its cause. Messages never contain bind
 * values.
 */
public abstract class SluiceException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final @Nullable Lane lane;
    private final @Nullable String sqlState;

    protected SluiceException(String message, @Nullable Lane lane, @Nullable String sqlState, @Nullable Throwable cause) {
        super(message, cause);
        this.lane = lane;
        this.sqlState = sqlState;
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

    static String prefix(@Nullable Lane lane) {
        return lane == null ? "" : "[lane " + lane.name() + "] ";
    }
}
