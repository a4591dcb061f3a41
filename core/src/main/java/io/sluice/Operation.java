package io.sluice;

import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

/**
 * The name of an operation: a low-cardinality label the caller gives a unit of work (for example
 * {@code "ratings.upsert"}), carried in the Reactor context to the lane's meters (the {@code operation}
 * tag) and to slow-statement reports. Name what the code does, never what it does it to: a user id or a
 * value in the name would make one time series per value.
 *
 * <p>{@link Query#named(String)} and {@link TxOptions#named(String)} set it; for any other unit
 * ({@code withConnection}), write it into the context yourself:
 * {@code db.withConnection(lane, work).contextWrite(Operation.named("menu.generate"))}.
 */
public final class Operation {

    /** Longest name accepted; a longer one is almost certainly not a fixed label. */
    public static final int MAX_LENGTH = 100;

    private static final Object KEY = Operation.class;

    private Operation() {
    }

    /**
     * A context writer naming every unit of work subscribed under it.
     *
     * @throws IllegalArgumentException when the name is null, blank or longer than {@link #MAX_LENGTH}
     */
    public static Function<Context, Context> named(String name) {
        String n = check(name);
        return ctx -> ctx.put(KEY, n);
    }

    /** The operation's name in this context, or null when none was given. */
    public static @Nullable String from(ContextView context) {
        Object n = context.getOrDefault(KEY, null);
        return n instanceof String s ? s : null;
    }

    static String check(@Nullable String name) {
        if (name == null || name.isBlank() || name.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("an operation name must be a short fixed label such as \"ratings.upsert\" "
                    + "(1.." + MAX_LENGTH + " characters, not blank), was " + (name == null ? "null"
                    : name.isBlank() ? "blank" : name.length() + " characters long"));
        }
        return name;
    }
}
