package io.sluice.spi;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import reactor.util.context.ContextView;

/**
 * Where a unit of work was assembled (the caller's {@code db.sql(...)}, {@code db.inTransaction(...)}), for
 * leak reports. Captured by the facade only for lanes whose source asks for it
 * ({@link LaneSource#recordsCallSites()}), and carried to the acquire in the Reactor context under
 * {@link #CONTEXT_KEY}: the subscribe may happen later on another thread, where the caller's frames are gone.
 *
 * <p>Cheap enough to leave on: a {@link StackWalker} skips the facade's own frames (classes of package
 * {@code io.sluice} itself) and keeps at most {@link #MAX_FRAMES} from the first of the caller's; no full
 * stack is filled in. A {@code Throwable} so that a log line prints it as a stack trace.
 */
public final class CallSite extends Throwable {

    private static final long serialVersionUID = 1L;

    /** Context key under which the facade puts the unit's call site. */
    public static final String CONTEXT_KEY = "sluice.callSite";

    /** Frames kept, from the caller's first. */
    public static final int MAX_FRAMES = 20;

    private static final StackWalker WALKER = StackWalker.getInstance();

    private CallSite(StackTraceElement[] frames) {
        super("connection acquired here", null, false, true);
        setStackTrace(frames);
    }

    /** The current thread's call site, the facade's own frames skipped. */
    public static CallSite capture() {
        List<StackTraceElement> frames = WALKER.walk(s -> {
            List<StackTraceElement> out = new ArrayList<>(MAX_FRAMES);
            s.dropWhile(f -> isFacade(f.getClassName())).limit(MAX_FRAMES)
                    .forEach(f -> out.add(f.toStackTraceElement()));
            return out;
        });
        return new CallSite(frames.toArray(new StackTraceElement[0]));
    }

    /** Frames of Sluice's facade and of the libraries under it, never the caller's. */
    static boolean isFacade(String className) {
        return (className.startsWith("io.sluice.") && className.indexOf('.', "io.sluice.".length()) < 0)
                || className.startsWith("io.sluice.spi.") || className.startsWith("io.sluice.internal.")
                || className.startsWith("reactor.") || className.startsWith("io.netty.");
    }

    /** The call site in {@code context}, or null when none was captured. */
    public static @Nullable CallSite from(ContextView context) {
        Object site = context.getOrDefault(CONTEXT_KEY, null);
        return site instanceof CallSite c ? c : null;
    }

    /** The first frame of the caller's code, or null when the stack held none. */
    public @Nullable StackTraceElement caller() {
        StackTraceElement[] t = getStackTrace();
        return t.length == 0 ? null : t[0];
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this; // the frames are set from the StackWalker
    }
}
