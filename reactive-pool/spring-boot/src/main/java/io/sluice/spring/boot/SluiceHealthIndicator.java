package io.sluice.spring.boot;

import io.sluice.pool.HealthStatus;
import io.sluice.pool.Lanes;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.boot.health.contributor.Status;
import reactor.core.publisher.Mono;

/**
 * The lanes in {@code /actuator/health} (component {@code lanes}): UP, {@link #DEGRADED} (serving, but
 * saturated or alerting; ranked between DOWN and UP, answering 200) or DOWN (503: the server does not answer
 * the health probe, or a lane's breaker is open), with Sluice's reasons, each lane's figures and the server's
 * connections as details. Calls {@link Lanes#health()}, which reuses its probe for
 * {@code sluice.health-probe-interval}: a load balancer polling every second runs no query per poll. The
 * details name no host, database or role.
 */
public class SluiceHealthIndicator implements ReactiveHealthIndicator {

    /** Serving, but see the reasons. */
    public static final Status DEGRADED = new Status("DEGRADED", "serving, but see the reasons");

    private final Lanes lanes;

    public SluiceHealthIndicator(Lanes lanes) {
        this.lanes = lanes;
    }

    @Override
    public Mono<Health> health() {
        return lanes.health().map(SluiceHealthIndicator::toActuator);
    }

    static Health toActuator(io.sluice.pool.Health h) {
        Status status = h.status() == HealthStatus.UP ? Status.UP : h.status() == HealthStatus.DOWN ? Status.DOWN : DEGRADED;
        Health.Builder b = Health.status(status)
                .withDetail("reasons", h.reasons())
                .withDetail("lanes", h.lanes())
                .withDetail("activeAlerts", h.activeAlerts());
        if (h.server() != null) {
            b.withDetail("server", h.server());
        }
        return b.build();
    }
}
