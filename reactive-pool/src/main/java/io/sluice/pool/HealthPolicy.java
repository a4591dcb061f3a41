package io.sluice.pool;

import io.sluice.ConfigurationException;
import java.time.Duration;

/**
 * When health says DEGRADED rather than UP for saturation: a lane whose utilisation stays at or above
 * {@code laneUtilisation}, or whose waiting callers stay at or above {@code laneWaiting}, for
 * {@code sustainedFor}; the server when its client connections reach {@code serverUtilisation} of
 * {@code max_connections - superuser_reserved_connections}. Breaker, connection and yielding findings do
 * not depend on it. Defaults: 0.9, 1 waiting, 10 s, 0.8.
 *
 * @param laneUtilisation   share of the admission limit or of maxSize in use, in (0, 1]
 * @param laneWaiting       callers waiting for admission, at least 1
 * @param sustainedFor      how long a lane must stay saturated before it counts; zero: at once
 * @param serverUtilisation share of the server's connection limit in use, in (0, 1]
 */
public record HealthPolicy(double laneUtilisation, int laneWaiting, Duration sustainedFor, double serverUtilisation) {

    public HealthPolicy {
        share("laneUtilisation", laneUtilisation);
        share("serverUtilisation", serverUtilisation);
        Check.atLeast("laneWaiting", laneWaiting, 1);
        Check.notNegative("sustainedFor", sustainedFor);
    }

    /** 90% utilisation or 1 waiting caller for 10 s; the server at 80% of its connection limit. */
    public static HealthPolicy defaults() {
        return new HealthPolicy(0.9, 1, Duration.ofSeconds(10), 0.8);
    }

    public HealthPolicy withLaneUtilisation(double share) {
        return new HealthPolicy(share, laneWaiting, sustainedFor, serverUtilisation);
    }

    public HealthPolicy withLaneWaiting(int callers) {
        return new HealthPolicy(laneUtilisation, callers, sustainedFor, serverUtilisation);
    }

    public HealthPolicy withSustainedFor(Duration d) {
        return new HealthPolicy(laneUtilisation, laneWaiting, d, serverUtilisation);
    }

    public HealthPolicy withServerUtilisation(double share) {
        return new HealthPolicy(laneUtilisation, laneWaiting, sustainedFor, share);
    }

    private static void share(String setting, double v) {
        if (!(v > 0 && v <= 1)) {
            throw new ConfigurationException("health " + setting, "health " + setting + " must be in (0, 1], got " + v);
        }
    }
}
