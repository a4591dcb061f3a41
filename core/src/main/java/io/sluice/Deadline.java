package io.sluice;

import java.time.Duration;
import java.util.Objects;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

/**
 * A point in time by which work must be done, carried by the subscription in the Reactor
 * {@link Context} — e.g. set once per WebFlux request:
 * <pre>{@code
 * db.sql(Lane.INTERACTIVE, "...").map(...).one().contextWrite(Deadline.in(Duration.ofMillis(800)).context());
 * }</pre>
 * Work whose deadline has passed is not started ({@link DeadlineExceededException}); a transaction's
 * statement timeout is the smaller of its own and the time left; retries stop when it would pass.
 * Measured on {@link System#nanoTime()}.
 */
public final class Deadline {

    /** The Reactor context key. */
    public static final Object KEY = Deadline.class;

    private final long atNanos;

    private Deadline(long atNanos) {
        this.atNanos = atNanos;
    }

    public static Deadline in(Duration timeLeft) {
        Objects.requireNonNull(timeLeft, "timeLeft");
        return new Deadline(System.nanoTime() + timeLeft.toNanos());
    }

    /** The deadline in a context, or {@code null}. */
    public static Deadline from(ContextView context) {
        return context.getOrDefault(KEY, null);
    }

    /** A context holding this deadline, for {@code contextWrite}. */
    public Context context() {
        return Context.of(KEY, this);
    }

    /** Time left; negative once passed. */
    public Duration timeLeft() {
        return Duration.ofNanos(atNanos - System.nanoTime());
    }

    public boolean hasPassed() {
        return atNanos - System.nanoTime() <= 0;
    }

    @Override
    public String toString() {
        return "Deadline[in " + timeLeft().toMillis() + " ms]";
    }
}
