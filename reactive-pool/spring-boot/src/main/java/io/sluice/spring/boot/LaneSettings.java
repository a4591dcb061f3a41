package io.sluice.spring.boot;

import static io.sluice.spring.boot.PropertyValues.set;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.sluice.ConfigurationException;
import io.sluice.Lane;
import io.sluice.pool.LaneConfig;
import io.sluice.pool.RetryPolicy;
import java.util.List;
import java.util.Map;

/** {@code sluice.lanes.<name>.*} onto {@link LaneConfig}'s builder, one property per setter. */
final class LaneSettings {

    private LaneSettings() {
    }

    static Lane lane(String name) {
        try {
            return Lane.of(name);
        } catch (IllegalArgumentException e) {
            throw PropertyValues.rejected("sluice.lanes." + name, e);
        }
    }

    /** A builder holding every property set for the lane; customizers may add to it before it is built. */
    static LaneConfig.Builder builder(Lane lane, SluiceLaneProperties p) {
        String x = "sluice.lanes." + lane.name() + ".";
        LaneConfig.Builder b = LaneConfig.builder(lane);
        set(x + "max-size", p.getMaxSize(), b::maxSize);
        set(x + "min-idle", p.getMinIdle(), b::minIdle);
        set(x + "initial-size", p.getInitialSize(), b::initialSize);
        set(x + "acquire-timeout", p.getAcquireTimeout(), b::acquireTimeout);
        set(x + "max-pending-acquires", p.getMaxPendingAcquires(), b::maxPendingAcquires);
        set(x + "predictive-shedding", p.getPredictiveShedding(), b::predictiveShedding);
        set(x + "max-idle-time", p.getMaxIdleTime(), b::maxIdleTime);
        set(x + "max-lifetime", p.getMaxLifetime(), b::maxLifetime);
        set(x + "lifetime-jitter", p.getLifetimeJitter(), b::lifetimeJitter);
        set(x + "eviction-interval", p.getEvictionInterval(), b::evictionInterval);
        set(x + "max-uses", p.getMaxUses(), b::maxUses);
        set(x + "validate-remotely", p.getValidateRemotely(), b::validateRemotely);
        set(x + "validation-timeout", p.getValidationTimeout(), b::validationTimeout);
        set(x + "application-name", p.getApplicationName(), b::applicationName);
        set(x + "statement-timeout", p.getStatementTimeout(), b::statementTimeout);
        set(x + "lock-timeout", p.getLockTimeout(), b::lockTimeout);
        set(x + "idle-in-transaction-timeout", p.getIdleInTransactionTimeout(), b::idleInTransactionTimeout);
        set(x + "client-timeout", p.getClientTimeout(), b::clientTimeout);
        set(x + "isolation", p.getIsolation(), b::isolation);
        set(x + "read-only", p.getReadOnly(), b::readOnly);
        for (Map.Entry<String, String> s : p.getSessionSettings().entrySet()) {
            set(x + "session-settings." + s.getKey(), s.getValue(), v -> b.sessionSetting(s.getKey(), v));
        }
        List<String> init = p.getSessionInit();
        for (int i = 0; i < init.size(); i++) {
            set(x + "session-init[" + i + "]", init.get(i), b::sessionInit);
        }
        if (p.getUser() != null) {
            set(x + "user", p.getUser(), u -> b.credentials(u, p.getPassword()));
        } else if (p.getPassword() != null) {
            throw new ConfigurationException(x + "password", "Invalid Sluice property '" + x + "password': a lane's password "
                    + "goes with its own user; set " + x + "user too, or set sluice.server.password for every lane");
        }
        set(x + "fetch-size", p.getFetchSize(), b::fetchSize);
        set(x + "admission-limit", p.getAdmissionLimit(), b::admissionLimit);
        adaptive(x + "adaptive-admission.", p.getAdaptiveAdmission(), b);
        multiplexed(x + "multiplexed.", p.getMultiplexed(), b);
        set(x + "priority", p.getPriority(), b::priority);
        set(x + "latency-target", p.getLatencyTarget(), b::latencyTarget);
        set(x + "leak-detection-threshold", p.getLeakDetectionThreshold(), b::leakDetectionThreshold);
        set(x + "breaker-consecutive-failures", p.getBreakerConsecutiveFailures(), b::breakerConsecutiveFailures);
        set(x + "slow-statement-threshold", p.getSlowStatementThreshold(), b::slowStatementThreshold);
        if (!p.isSlowStatementReports()) {
            b.noSlowStatementReports();
        }
        retry(x + "retry.", p.getRetry(), b);
        breaker(lane, x + "circuit-breaker.", p.getCircuitBreaker(), b);
        return b;
    }

    /** Builds, naming the property of a setting that {@code build()} found in contradiction with another. */
    /** The lane's standbys ({@code sluice.lanes.<name>.standbys} and the replica settings), or null when it has none. */
    static io.sluice.pool.@org.jspecify.annotations.Nullable ReadReplicas replicas(Lane lane, SluiceLaneProperties p) {
        if (p.getStandbys().isEmpty()) {
            return null;
        }
        String x = "sluice.lanes." + lane.name() + ".";
        io.sluice.pool.ReadReplicas.Builder b = io.sluice.pool.ReadReplicas.builder();
        for (int i = 0; i < p.getStandbys().size(); i++) {
            String url = p.getStandbys().get(i);
            set(x + "standbys[" + i + "]", url, u -> b.standby(io.sluice.pool.ServerConfig.fromUrl(u).build()));
        }
        set(x + "replica-max-lag", p.getReplicaMaxLag(), b::maxLag);
        set(x + "replica-check-interval", p.getReplicaCheckInterval(), b::checkInterval);
        set(x + "read-your-writes-wait", p.getReadYourWritesWait(), b::readYourWritesWait);
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw PropertyValues.rejected(x + "standbys", e);
        }
    }

    static LaneConfig build(Lane lane, LaneConfig.Builder b) {
        try {
            return b.build();
        } catch (ConfigurationException e) {
            throw PropertyValues.rejected(PropertyValues.property("sluice.lanes." + lane.name() + ".", e.setting()), e);
        }
    }

    private static void adaptive(String x, SluiceLaneProperties.Adaptive a, LaneConfig.Builder b) {
        if (a.getMin() == null && a.getMax() == null) {
            return;
        }
        if (a.getMin() == null || a.getMax() == null) {
            String missing = a.getMin() == null ? "min" : "max";
            throw new ConfigurationException(x + missing, "Invalid Sluice property '" + x + missing
                    + "': an adaptive admission limit needs both " + x + "min and " + x + "max");
        }
        set(x + "max", a.getMax(), max -> b.adaptiveAdmission(a.getMin(), max));
    }

    private static void multiplexed(String x, SluiceLaneProperties.Multiplexed m, LaneConfig.Builder b) {
        if (m.getConnections() == null && m.getPerConnection() == null) {
            return;
        }
        if (m.getConnections() == null || m.getPerConnection() == null) {
            String missing = m.getConnections() == null ? "connections" : "per-connection";
            throw new ConfigurationException(x + missing, "Invalid Sluice property '" + x + missing
                    + "': a multiplexed lane needs both " + x + "connections and " + x + "per-connection");
        }
        set(x + "connections", m.getConnections(), c -> b.multiplexed(c, m.getPerConnection()));
    }

    private static void retry(String x, SluiceLaneProperties.Retry r, LaneConfig.Builder b) {
        if (!r.isEnabled()) {
            b.retry(RetryPolicy.none());
            return;
        }
        if (r.getMaxAttempts() == null && r.getInitialBackoff() == null && r.getMaxBackoff() == null
                && r.getMaxTotal() == null && r.getJitter() == null) {
            return;
        }
        RetryPolicy d = RetryPolicy.defaults();
        RetryPolicy[] policy = new RetryPolicy[1];
        set(x + "max-attempts", Boolean.TRUE, t -> policy[0] = RetryPolicy.backoff(
                r.getMaxAttempts() != null ? r.getMaxAttempts() : d.maxAttempts(),
                r.getInitialBackoff() != null ? r.getInitialBackoff() : d.initialBackoff(),
                r.getMaxBackoff() != null ? r.getMaxBackoff() : d.maxBackoff()));
        policy[0] = policy[0].maxTotal(d.maxTotal()).jitter(d.jitter());
        set(x + "max-total", r.getMaxTotal(), t -> policy[0] = policy[0].maxTotal(t));
        set(x + "jitter", r.getJitter(), j -> policy[0] = policy[0].jitter(j));
        b.retry(policy[0]);
    }

    private static void breaker(Lane lane, String x, SluiceLaneProperties.Breaker c, LaneConfig.Builder b) {
        if (!c.isEnabled()) {
            b.noCircuitBreaker();
            return;
        }
        CircuitBreakerConfig defaults = LaneConfig.builder(lane).build().circuitBreaker();
        CircuitBreakerConfig.Builder cb = CircuitBreakerConfig.from(defaults);
        boolean any = c.getFailureRateThreshold() != null || c.getSlidingWindowSize() != null || c.getMinimumNumberOfCalls() != null
                || c.getWaitDurationInOpenState() != null || c.getPermittedNumberOfCallsInHalfOpenState() != null;
        if (!any) {
            return;
        }
        set(x + "failure-rate-threshold", c.getFailureRateThreshold(), cb::failureRateThreshold);
        set(x + "sliding-window-size", c.getSlidingWindowSize(), cb::slidingWindowSize);
        set(x + "minimum-number-of-calls", c.getMinimumNumberOfCalls(), cb::minimumNumberOfCalls);
        set(x + "wait-duration-in-open-state", c.getWaitDurationInOpenState(), cb::waitDurationInOpenState);
        set(x + "permitted-number-of-calls-in-half-open-state", c.getPermittedNumberOfCallsInHalfOpenState(),
                cb::permittedNumberOfCallsInHalfOpenState);
        b.circuitBreaker(cb.build());
    }
}
