package io.sluice.pool;

import org.jspecify.annotations.Nullable;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

/**
 * Per-query routing of a lane that reads from standbys ({@link Lanes.Builder#readReplicas}), given in the
 * Reactor context of the query's publisher:
 *
 * <pre>{@code
 * WalPosition written = lanes.commitPosition(Lane.INTERACTIVE).block();    // after the caller's write
 * db.sql(READS, "SELECT ...").map(...).one()
 *         .contextWrite(ReadYourWrites.after(written));                     // sees that write
 * }</pre>
 *
 * <p>{@link #after(WalPosition)}: the query runs on a standby that has replayed the position; a standby
 * that has not waits for it up to the lane's {@link ReadReplicas#readYourWritesWait()}, and when it is still
 * behind the query goes to the primary. {@link #primary()}: the query goes to the primary. Lanes without
 * standbys ignore both.
 */
public final class ReadYourWrites {

    static final String POSITION_KEY = "sluice.readYourWrites.position";
    static final String PRIMARY_KEY = "sluice.readYourWrites.primary";

    private ReadYourWrites() {
    }

    /** A context under which reads see everything committed up to {@code position}. */
    public static Context after(WalPosition position) {
        return Context.of(POSITION_KEY, Check.notNull("position", position));
    }

    /** A context under which reads go to the primary. */
    public static Context primary() {
        return Context.of(PRIMARY_KEY, Boolean.TRUE);
    }

    static @Nullable WalPosition position(ContextView ctx) {
        Object p = ctx.getOrDefault(POSITION_KEY, null);
        return p instanceof WalPosition w ? w : null;
    }

    static boolean primaryOnly(ContextView ctx) {
        return ctx.hasKey(PRIMARY_KEY);
    }
}
