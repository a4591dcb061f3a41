package io.sluice.pool;

import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * Warns, when the lanes start, that r2dbc-postgresql is set to log bind values.
 *
 * <p>Why: Sluice keeps bind values out of its messages and exceptions, but two of the driver's loggers print
 * them at DEBUG (r2dbc-postgresql 1.1.3): {@code io.r2dbc.postgresql.PARAM} logs every bind value
 * ({@code Bind parameter [0] to: …}), and {@code io.r2dbc.postgresql.client.ReactorNettyClient} logs every
 * message the server sends, an error's whole text included — quoted values, DETAIL ({@code Failing row
 * contains (…)}, {@code Key (email)=(…) already exists.}) and WHERE — and at TRACE hex-dumps the traffic. An
 * application that turns DEBUG on for {@code io.r2dbc} or for everything gets values in its logs. Sluice does
 * not change the application's logging levels; it says which loggers do this. It asks through
 * {@link Loggers}, the facade the driver logs through, so it sees the levels the driver sees.
 */
final class DriverLogging {

    /** A driver logger that prints bind values or the server's error details at DEBUG, and what it prints. */
    record ValueLogger(String name, String prints) {
    }

    static final List<ValueLogger> VALUE_LOGGERS = List.of(
            new ValueLogger("io.r2dbc.postgresql.PARAM", "prints every bind value"),
            new ValueLogger("io.r2dbc.postgresql.client.ReactorNettyClient",
                    "prints every server message, an error's DETAIL such as 'Failing row contains (...)' included"));

    private static final Logger LOG = Loggers.getLogger(DriverLogging.class);

    private DriverLogging() {
    }

    /** Logs the {@link #warning} at WARN, if there is one. */
    static void warnIfValuesLogged() {
        String warning = warning(name -> Loggers.getLogger(name).isDebugEnabled());
        if (warning != null) {
            LOG.warn(warning);
        }
    }

    /** What to warn about, given which loggers are enabled at DEBUG; {@code null} when none of {@link #VALUE_LOGGERS} is. */
    static @Nullable String warning(Predicate<String> debugEnabled) {
        List<ValueLogger> on = VALUE_LOGGERS.stream().filter(l -> debugEnabled.test(l.name())).toList();
        if (on.isEmpty()) {
            return null;
        }
        return "bind values will be logged: " + on.stream().map(l -> l.name() + " (" + l.prints() + ")")
                .collect(Collectors.joining(" and "))
                + (on.size() == 1 ? " is" : " are") + " enabled at DEBUG. Where logs must not hold data, set "
                + (on.size() == 1 ? "it" : "them") + " to INFO in the logging configuration (README, section Logging)";
    }
}
