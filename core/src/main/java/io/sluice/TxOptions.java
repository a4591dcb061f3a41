package io.sluice;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Per-transaction options. Immutable; each {@code with...} method returns a copy.
 *
 * <p>A setting left unset takes the lane's default. Settings are applied as transaction-local
 * ({@code BEGIN ISOLATION LEVEL ...} and {@code SET LOCAL ...}), so nothing outlives the transaction or
 * reaches the next borrower of the connection.
 */
public final class TxOptions {

    private static final TxOptions DEFAULTS = new TxOptions(null, null, null, null, false, null);

    private final @Nullable Isolation isolation;
    private final @Nullable Boolean readOnly;
    private final @Nullable Duration statementTimeout;
    private final @Nullable Duration lockTimeout;
    private final boolean idempotent;
    private final @Nullable String name;

    private TxOptions(@Nullable Isolation isolation, @Nullable Boolean readOnly, @Nullable Duration statementTimeout,
                      @Nullable Duration lockTimeout, boolean idempotent, @Nullable String name) {
        this.name = name;
        this.isolation = isolation;
        this.readOnly = readOnly;
        this.statementTimeout = statementTimeout;
        this.lockTimeout = lockTimeout;
        this.idempotent = idempotent;
    }

    /** Every setting from the lane's defaults. */
    public static TxOptions defaults() {
        return DEFAULTS;
    }

    /** A read-only transaction; read-only work is retry-safe. */
    public static TxOptions readOnly() {
        return DEFAULTS.withReadOnly(true);
    }

    /** A read-write transaction, whatever the lane's default. */
    public static TxOptions readWrite() {
        return DEFAULTS.withReadOnly(false);
    }

    public TxOptions withIsolation(Isolation isolation) {
        return new TxOptions(Objects.requireNonNull(isolation, "isolation"), readOnly, statementTimeout, lockTimeout, idempotent, name);
    }

    public TxOptions withReadOnly(boolean readOnly) {
        return new TxOptions(isolation, readOnly, statementTimeout, lockTimeout, idempotent, name);
    }

    /**
     * Cancels any statement of the transaction that runs longer than this.
     *
     * @throws IllegalArgumentException when not positive (PostgreSQL reads 0 as "no limit"; leave the
     *         option unset to keep the lane's default instead)
     */
    public TxOptions withStatementTimeout(Duration timeout) {
        return new TxOptions(isolation, readOnly, positive("statementTimeout", timeout), lockTimeout, idempotent, name);
    }

    /** Fails any statement of the transaction that waits longer than this for a lock. */
    public TxOptions withLockTimeout(Duration timeout) {
        return new TxOptions(isolation, readOnly, statementTimeout, positive("lockTimeout", timeout), idempotent, name);
    }

    /**
     * Declares that running the whole transaction again after it was rolled back is safe, so transient
     * failures of it may be retried.
     */
    public TxOptions withIdempotent(boolean idempotent) {
        return new TxOptions(isolation, readOnly, statementTimeout, lockTimeout, idempotent, name);
    }

    /**
     * Names the transaction for the lane's meters (the {@code operation} tag) and slow-statement reports: a
     * short fixed label such as {@code "menu.generate"}, never a value. See {@link Operation}.
     *
     * @throws IllegalArgumentException when the name is null, blank or longer than {@link Operation#MAX_LENGTH}
     */
    public TxOptions named(String name) {
        return new TxOptions(isolation, readOnly, statementTimeout, lockTimeout, idempotent, Operation.check(name));
    }

    /** The operation name given with {@link #named(String)}, or null. */
    public @Nullable String name() {
        return name;
    }

    public @Nullable Isolation isolation() {
        return isolation;
    }

    public @Nullable Boolean readOnlyOrNull() {
        return readOnly;
    }

    public @Nullable Duration statementTimeout() {
        return statementTimeout;
    }

    public @Nullable Duration lockTimeout() {
        return lockTimeout;
    }

    public boolean idempotent() {
        return idempotent;
    }

    /** These options, with every unset setting taken from {@code fallback}. */
    public TxOptions orElse(TxOptions fallback) {
        return new TxOptions(
                isolation != null ? isolation : fallback.isolation,
                readOnly != null ? readOnly : fallback.readOnly,
                statementTimeout != null ? statementTimeout : fallback.statementTimeout,
                lockTimeout != null ? lockTimeout : fallback.lockTimeout,
                idempotent || fallback.idempotent,
                name != null ? name : fallback.name);
    }

    static Duration positive(String setting, Duration value) {
        Objects.requireNonNull(value, setting);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(setting + " must be positive, was " + value);
        }
        return value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TxOptions t && t.isolation == isolation && Objects.equals(t.readOnly, readOnly)
                && Objects.equals(t.statementTimeout, statementTimeout) && Objects.equals(t.lockTimeout, lockTimeout)
                && t.idempotent == idempotent && Objects.equals(t.name, name);
    }

    @Override
    public int hashCode() {
        return Objects.hash(isolation, readOnly, statementTimeout, lockTimeout, idempotent, name);
    }

    @Override
    public String toString() {
        return "TxOptions[isolation=" + isolation + ", readOnly=" + readOnly + ", statementTimeout=" + statementTimeout
                + ", lockTimeout=" + lockTimeout + ", idempotent=" + idempotent
                + (name == null ? "" : ", name=" + name) + "]";
    }
}
