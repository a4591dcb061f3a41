package io.sluice.pool;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One transition of one alert on one lane: raised once its rule held for the rule's duration, cleared at
 * the first tick it no longer holds. Never repeated while the state stays the same.
 *
 * @param type      RAISED or CLEARED
 * @param rule      the rule's name, e.g. {@code lane.utilisation.warning}
 * @param lane      the lane's name, or null for a server-wide rule
 * @param severity  the rule's severity
 * @param value     the figure when the transition happened
 * @param threshold the rule's threshold
 * @param message   one sentence for a human: what, where, how much, for how long
 * @param at        when, on the lanes' scheduler's clock
 */
public record AlertEvent(Type type, String rule, @Nullable String lane, AlertSeverity severity, double value,
                         double threshold, String message, Instant at) {

    /** Whether an alert started or ended. */
    public enum Type {
        RAISED,
        CLEARED
    }
}
