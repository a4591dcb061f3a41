package io.sluice;

import org.jspecify.annotations.Nullable;

/**
 * A statement of a {@link Batch} (or a chunk of a bulk insert) failed, so none of the batch was kept.
 * {@link #index()} is the failing statement's position (from 0); the cause is Sluice's typed error for it
 * (a constraint violation, bad SQL, a lost connection...), and {@link #kind()} is the cause's kind, so
 * retry policies and breakers treat the batch as they would the statement.
 */
public final class BatchException extends SluiceException {

    private static final long serialVersionUID = 1L;

    private final int index;
    private final int size;
    private final FailureKind kind;

    BatchException(@Nullable Lane lane, int index, int size, SluiceException cause) {
        this(lane, index, size, "statement " + index + " of the batch of " + size + " failed, so none of the batch was kept", cause);
    }

    /** {@code what}: which part failed and what became of the rest, for the message. */
    BatchException(@Nullable Lane lane, int index, int size, String what, SluiceException cause) {
        super(prefix(lane) + what + ": " + stripPrefix(cause.getMessage(), lane), lane, cause.sqlState(), cause);
        this.index = index;
        this.size = size;
        this.kind = cause.kind();
    }

    /**
     * {@code error} in Sluice's terms, and a statement's failure as the batch's ({@code wrap}); a mistake in the
     * batch's own values ({@link BindException}) or an error already wrapped stays as it is.
     */
    static Throwable wrap(@Nullable Lane lane, Throwable error, java.util.function.Function<SluiceException, BatchException> wrap) {
        Throwable t = io.sluice.internal.Failures.translate(lane, error);
        return t instanceof SluiceException se && !(se instanceof BindException) && !(se instanceof BatchException) ? wrap.apply(se) : t;
    }

    private static String stripPrefix(@Nullable String message, @Nullable Lane lane) {
        String m = String.valueOf(message);
        String p = prefix(lane);
        return m.startsWith(p) ? m.substring(p.length()) : m;
    }

    /** Position of the failing statement in the batch, from 0; -1 when it failed before any ran (e.g. BEGIN). */
    public int index() {
        return index;
    }

    /** Statements in the batch; -1 for a streamed bulk insert, whose length is not known. */
    public int size() {
        return size;
    }

    @Override
    public FailureKind kind() {
        return kind;
    }
}
