package io.sluice.pool;

import java.util.List;

/**
 * One lane's health: its status, why (empty when UP), and the figures it was judged on.
 *
 * @param lane    the lane's name
 * @param status  UP, DEGRADED or DOWN
 * @param reasons one sentence per finding, e.g. {@code "circuit breaker open: calls fail at once"}
 * @param figures the live figures behind the verdict
 */
public record LaneHealth(String lane, HealthStatus status, List<String> reasons, LaneFigures figures) {
    public LaneHealth {
        reasons = List.copyOf(reasons);
    }
}
