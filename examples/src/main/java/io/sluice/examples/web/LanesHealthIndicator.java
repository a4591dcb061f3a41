package io.sluice.examples.web;

import io.sluice.pool.Health;
import io.sluice.pool.HealthStatus;
import io.sluice.pool.Lanes;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * The lanes in {@code /actuator/health} (component {@code lanes}): UP, DEGRADED (a status of its own, ranked
 * between DOWN and UP in application.properties, answering 200) or DOWN (503), with Sluice's reasons, each
 * lane's figures and the server's connections as details. Calls {@link Lanes#health()}, which reuses its
 * probe for {@code healthProbeInterval}: a load balancer polling every second runs no query per poll.
 */
@Component
public class LanesHealthIndicator implements ReactiveHealthIndicator {

    static final Status DEGRADED = new Status("DEGRADED", "serving, but see the reasons");

    private final Lanes lanes;

    public LanesHealthIndicator(Lanes lanes) {
        this.lanes = lanes;
    }

    @Override
    public Mono<org.springframework.boot.health.contributor.Health> health() {
        return lanes.health().map(LanesHealthIndicator::toActuator);
    }

    static org.springframework.boot.health.contributor.Health toActuator(Health h) {
        Status status = h.status() == HealthStatus.UP ? Status.UP : h.status() == HealthStatus.DOWN ? Status.DOWN : DEGRADED;
        org.springframework.boot.health.contributor.Health.Builder b = org.springframework.boot.health.contributor.Health.status(status)
                .withDetail("reasons", h.reasons())
                .withDetail("lanes", h.lanes())
                .withDetail("activeAlerts", h.activeAlerts());
        if (h.server() != null) {
            b.withDetail("server", h.server());
        }
        return b.build();
    }
}
