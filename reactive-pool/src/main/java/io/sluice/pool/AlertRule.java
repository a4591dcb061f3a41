package io.sluice.pool;

import io.sluice.ConfigurationException;
import java.time.Duration;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * A rule over a lane's live figures ({@link LaneFigures}), evaluated on every monitor tick for every lane:
 * it is raised once {@code value} has been beyond {@code threshold} for {@code sustainedFor} without a
 * break, and cleared at the first tick it is not. A server-wide rule ({@link #serverWide()}) is evaluated
 * once per tick, not per lane, and its events carry no lane.
 *
 * <pre>{@code
 * AlertRule slowLane = AlertRule.above("orders.p95", AlertSeverity.WARNING, LaneFigures::waitP95Millis, 250)
 *         .sustainedFor(Duration.ofMinutes(1));
 * Lanes.builder(server).alert(slowLane)...   // added to the defaults
 * }</pre>
 *
 * @param name         unique among the lanes' rules; appears in events and log lines
 * @param severity     WARNING or CRITICAL
 * @param value        the figure the rule watches
 * @param inclusive    true: holds at {@code value >= threshold}; false: at {@code value > threshold}
 * @param threshold    the limit
 * @param sustainedFor how long the rule must hold before it is raised; zero: at the first tick
 * @param server       evaluated once per tick over the server's figures, not per lane
 */
public record AlertRule(String name, AlertSeverity severity, ToDoubleFunction<LaneFigures> value, boolean inclusive,
                        double threshold, Duration sustainedFor, boolean server) {

    public AlertRule {
        Check.notBlank("alert rule name", name);
        Check.notNull("alert rule severity", severity);
        Check.notNull("alert rule value", value);
        Check.notNegative("alert rule sustainedFor", sustainedFor);
        if (Double.isNaN(threshold)) {
            throw new ConfigurationException("alert rule threshold", "alert rule '" + name + "' has no threshold (NaN)");
        }
    }

    /** Holds while {@code value >= threshold}; raised at the first tick it holds (see {@link #sustainedFor(Duration)}). */
    public static AlertRule atLeast(String name, AlertSeverity severity, ToDoubleFunction<LaneFigures> value, double threshold) {
        return new AlertRule(name, severity, value, true, threshold, Duration.ZERO, false);
    }

    /** Holds while {@code value > threshold}; raised at the first tick it holds (see {@link #sustainedFor(Duration)}). */
    public static AlertRule above(String name, AlertSeverity severity, ToDoubleFunction<LaneFigures> value, double threshold) {
        return new AlertRule(name, severity, value, false, threshold, Duration.ZERO, false);
    }

    /** This rule, raised only once it held for {@code duration} without a break. */
    public AlertRule sustainedFor(Duration duration) {
        return new AlertRule(name, severity, value, inclusive, threshold, duration, server);
    }

    /** This rule, evaluated once per tick (its figures' server fields are the same on every lane), with no lane. */
    public AlertRule serverWide() {
        return new AlertRule(name, severity, value, inclusive, threshold, sustainedFor, true);
    }

    /** Whether the rule holds for {@code v}. */
    boolean holds(double v) {
        return inclusive ? v >= threshold : v > threshold;
    }

    /** The default rules, taken from the plans Sluice grew from (see the README's "Alerts"). */
    public static final String UTILISATION_WARNING = "lane.utilisation.warning";
    public static final String UTILISATION_CRITICAL = "lane.utilisation.critical";
    public static final String WAITING = "lane.waiting";
    public static final String WAIT_P95 = "lane.wait.p95";
    public static final String REJECTIONS = "lane.rejections";
    public static final String TIMEOUTS = "lane.timeouts";
    public static final String BREAKER_OPEN = "lane.breaker.open";
    public static final String SERVER_CONNECTIONS = "server.connections";

    /**
     * Utilisation at least 80% (WARNING) and 90% (CRITICAL) for 30 s; more than 10 callers waiting for 30 s;
     * p95 admission wait above 1000 ms for 30 s; at least 1 rejection or 1 admission timeout per second for
     * 30 s; the breaker open (CRITICAL, at once); the server's client connections at least 80% of its
     * connection limit for 30 s (server-wide).
     */
    public static List<AlertRule> defaults() {
        Duration thirty = Duration.ofSeconds(30);
        return List.of(
                atLeast(UTILISATION_WARNING, AlertSeverity.WARNING, LaneFigures::utilisation, 0.8).sustainedFor(thirty),
                atLeast(UTILISATION_CRITICAL, AlertSeverity.CRITICAL, LaneFigures::utilisation, 0.9).sustainedFor(thirty),
                above(WAITING, AlertSeverity.WARNING, LaneFigures::waiting, 10).sustainedFor(thirty),
                above(WAIT_P95, AlertSeverity.WARNING, LaneFigures::waitP95Millis, 1000).sustainedFor(thirty),
                atLeast(REJECTIONS, AlertSeverity.WARNING, LaneFigures::rejectionsPerSecond, 1).sustainedFor(thirty),
                atLeast(TIMEOUTS, AlertSeverity.WARNING, LaneFigures::timeoutsPerSecond, 1).sustainedFor(thirty),
                atLeast(BREAKER_OPEN, AlertSeverity.CRITICAL, f -> "OPEN".equals(f.breakerState()) ? 1 : 0, 1),
                atLeast(SERVER_CONNECTIONS, AlertSeverity.WARNING, LaneFigures::serverUtilisation, 0.8)
                        .sustainedFor(thirty).serverWide());
    }
}
