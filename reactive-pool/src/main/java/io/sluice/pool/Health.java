package io.sluice.pool;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The lanes' health: the worst of every lane's and the server's, with every reason and the figures behind
 * them. Immutable, plain accessors and no cycles: a web framework renders it as JSON as it is (see
 * {@link Lanes#health()}).
 *
 * @param status       the worst status of the lanes and the server
 * @param reasons      every reason of every part, each prefixed with the lane ({@code "lane background: ..."}) or {@code "server: "}
 * @param checkedAt    when this value was put together
 * @param lanes        each lane's health, by lane name, in configuration order
 * @param server       the server's side from the last probe, or null while none has run
 * @param activeAlerts the alerts raised and not cleared now (see {@link Lanes#alerts()})
 */
public record Health(HealthStatus status, List<String> reasons, Instant checkedAt, Map<String, LaneHealth> lanes,
                     @Nullable ServerHealth server, List<AlertEvent> activeAlerts) {
    public Health {
        reasons = List.copyOf(reasons);
        lanes = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(lanes));
        activeAlerts = List.copyOf(activeAlerts);
    }

    /** Whether the lanes serve at all: UP or DEGRADED (e.g. for a readiness answer of 200 against 503). */
    public boolean serving() {
        return status != HealthStatus.DOWN;
    }
}
