package io.sluice.pool;

import io.sluice.FailureKind;
import io.sluice.Lane;
import io.sluice.SluiceException;
import org.jspecify.annotations.Nullable;

/**
 * A statement that needs its session to outlive the transaction, sent through a pooler in transaction mode
 * ({@link PoolerMode#TRANSACTION}), where the next transaction may run on another server connection. Thrown
 * by {@code createStatement} before anything reaches the server; never transient, never retried, not
 * counted by the breaker. {@link #feature()} names what was refused and the message says what to use
 * instead.
 */
public final class PoolerUnsupportedException extends SluiceException {

    private static final long serialVersionUID = 1L;

    private final String feature;

    PoolerUnsupportedException(@Nullable Lane lane, String feature, String instead) {
        super((lane == null ? "" : "[lane " + lane.name() + "] ") + feature + " does not work through a pooler in transaction mode (ServerConfig pooler="
                + PoolerMode.TRANSACTION.label() + "): the session it needs ends with the transaction, and the next one "
                + "may run on another server connection. " + instead, lane, null, null);
        this.feature = feature;
    }

    /** What was refused, e.g. {@code "a session advisory lock (pg_advisory_lock)"}. */
    public String feature() {
        return feature;
    }

    @Override
    public FailureKind kind() {
        return FailureKind.USAGE;
    }
}
