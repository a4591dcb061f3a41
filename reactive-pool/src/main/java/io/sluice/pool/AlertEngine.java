package io.sluice.pool;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * Evaluates the alert rules over each tick's figures and turns them into transitions: a rule on a lane is
 * raised once it has held for its duration without a break and cleared at the first tick it does not hold.
 * Each transition is emitted on the hot {@link #events()} and logged once (WARN raised, INFO cleared);
 * nothing is logged or emitted while a state stays the same. Ticks come one at a time (the monitor's
 * interval); {@link #evaluate} is synchronized for ticks driven by tests.
 */
final class AlertEngine {

    private static final reactor.util.Logger LOG = reactor.util.Loggers.getLogger(AlertEngine.class);

    private final List<AlertRule> rules;
    private final Sinks.Many<AlertEvent> sink = Sinks.many().multicast().directBestEffort();
    /** Per rule and lane: since when it has held (scheduler millis). */
    private final Map<Key, Long> holding = new HashMap<>();
    /** Raised and not cleared, in the order raised. */
    private final Map<Key, AlertEvent> active = new LinkedHashMap<>();

    private record Key(String rule, @Nullable String lane) {
    }

    AlertEngine(List<AlertRule> rules) {
        Set<String> names = new HashSet<>();
        for (AlertRule r : rules) {
            if (!names.add(r.name())) {
                throw new io.sluice.ConfigurationException("alerts", "two alert rules are named '" + r.name() + "'");
            }
        }
        this.rules = List.copyOf(rules);
    }

    boolean isEmpty() {
        return rules.isEmpty();
    }

    /** Hot: the transitions from the moment of subscription; none replayed. */
    Flux<AlertEvent> events() {
        return sink.asFlux();
    }

    synchronized List<AlertEvent> active() {
        return List.copyOf(active.values());
    }

    /** One tick: evaluates every rule on every lane's figures (server-wide rules on the first's); returns the transitions. */
    synchronized List<AlertEvent> evaluate(long nowMillis, List<LaneFigures> figures) {
        List<AlertEvent> out = new ArrayList<>();
        for (AlertRule rule : rules) {
            if (rule.server()) {
                if (!figures.isEmpty()) {
                    evaluate(rule, null, figures.get(0), nowMillis, out);
                }
            } else {
                for (LaneFigures f : figures) {
                    evaluate(rule, f.lane(), f, nowMillis, out);
                }
            }
        }
        for (AlertEvent e : out) {
            if (e.type() == AlertEvent.Type.RAISED) {
                LOG.warn("alert raised [{}] {}", e.severity(), e.message());
            } else {
                LOG.info("alert cleared [{}] {}", e.severity(), e.message());
            }
            sink.tryEmitNext(e);   // best effort: a slow subscriber misses events, the tick never waits
        }
        return out;
    }

    private void evaluate(AlertRule rule, @Nullable String lane, LaneFigures f, long now, List<AlertEvent> out) {
        Key key = new Key(rule.name(), lane);
        double value;
        try {
            value = rule.value().applyAsDouble(f);
        } catch (RuntimeException e) {
            LOG.warn("alert rule '{}' failed on lane {}; treated as not holding", rule.name(), lane, e);
            value = Double.NaN;
        }
        boolean holds = !Double.isNaN(value) && rule.holds(value);
        String where = lane == null ? "the server" : "lane " + lane;
        if (holds) {
            long since = holding.computeIfAbsent(key, k -> now);
            if (!active.containsKey(key) && now - since >= rule.sustainedFor().toMillis()) {
                String held = rule.sustainedFor().isZero() ? "" : " for " + HealthCheck.human(java.time.Duration.ofMillis(now - since));
                AlertEvent e = new AlertEvent(AlertEvent.Type.RAISED, rule.name(), lane, rule.severity(), value,
                        rule.threshold(), String.format("%s on %s: %s %s %s%s", rule.name(), where, format(value),
                        rule.inclusive() ? ">=" : ">", format(rule.threshold()), held), Instant.ofEpochMilli(now));
                active.put(key, e);
                out.add(e);
            }
        } else {
            holding.remove(key);
            AlertEvent raised = active.remove(key);
            if (raised != null) {
                out.add(new AlertEvent(AlertEvent.Type.CLEARED, rule.name(), lane, rule.severity(), value, rule.threshold(),
                        String.format("%s on %s cleared: %s (threshold %s), raised %s ago", rule.name(), where,
                                Double.isNaN(value) ? "no value" : format(value), format(rule.threshold()),
                                HealthCheck.human(java.time.Duration.ofMillis(now - raised.at().toEpochMilli()))),
                        Instant.ofEpochMilli(now)));
            }
        }
    }

    static String format(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Math.abs(v) >= 100 ? String.format("%.0f", v) : String.format("%.3g", v);
    }

    void close() {
        sink.tryEmitComplete();
    }
}
