package io.sluice.spring.boot;

import io.sluice.Isolation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * {@code sluice.lanes.<name>.*}: one lane, each property a {@code LaneConfig.Builder} setting of the same name.
 * Unset properties keep {@code LaneConfig}'s defaults.
 */
public class SluiceLaneProperties {

    /** Whether this lane exists (to switch off one of the built-in lanes). */
    private boolean enabled = true;

    /** The most connections this lane holds at once (default 10). */
    private @Nullable Integer maxSize;

    /** Connections kept open even when idle (default 0). */
    private @Nullable Integer minIdle;

    /** Connections opened at start-up (default 0). */
    private @Nullable Integer initialSize;

    /** How long a caller waits for admission and a connection before it is told the lane is busy (default 2s). */
    private @Nullable Duration acquireTimeout;

    /** Callers allowed to wait for admission; the next one is rejected at once (default max(64, 16 x max-size)). */
    private @Nullable Integer maxPendingAcquires;

    /** Reject a caller at once when its predicted wait for admission exceeds acquire-timeout or its deadline (default true). */
    private @Nullable Boolean predictiveShedding;

    /** Streaming standbys this lane reads from, in rotation, as URLs (postgresql://app@replica-1:5432/meals); none: the lane's server. */
    private java.util.List<String> standbys = new java.util.ArrayList<>();

    /** A standby further behind the primary than this is out of rotation until it catches up (default 10s). */
    private @Nullable Duration replicaMaxLag;

    /** How often each standby's replay position is checked against the primary's (default 1s). */
    private @Nullable Duration replicaCheckInterval;

    /** How long a read-your-writes read waits for a standby to replay the caller's commit before going to the primary (default 500ms). */
    private @Nullable Duration readYourWritesWait;

    /** An idle connection is closed after this long (default 10m). */
    private @Nullable Duration maxIdleTime;

    /** A connection is replaced after this long (default 30m). */
    private @Nullable Duration maxLifetime;

    /** Each connection's lifetime is shortened by a random part of this (default a tenth of max-lifetime). */
    private @Nullable Duration lifetimeJitter;

    /** How often idle connections are swept and the minimum refilled (default derived from max-idle-time and max-lifetime). */
    private @Nullable Duration evictionInterval;

    /** Replace a connection after this many acquisitions; 0 for no limit. */
    private @Nullable Long maxUses;

    /** Check each connection with a round trip when it is lent out (default false). */
    private @Nullable Boolean validateRemotely;

    /** How long a connection check may take (default 5s). */
    private @Nullable Duration validationTimeout;

    /** The application_name the lane's connections show in pg_stat_activity (default sluice-<lane>). */
    private @Nullable String applicationName;

    /** The lane's statement_timeout (default: the server's). */
    private @Nullable Duration statementTimeout;

    /** The lane's lock_timeout (default: the server's). */
    private @Nullable Duration lockTimeout;

    /** The lane's idle_in_transaction_session_timeout (default: the server's). */
    private @Nullable Duration idleInTransactionTimeout;

    /** How long a unit of work may wait on the server before the client gives up (default statement-timeout + 5s). */
    private @Nullable Duration clientTimeout;

    /** The default isolation of the lane's transactions. */
    private @Nullable Isolation isolation;

    /** Make every transaction of the lane read-only unless it asks otherwise. */
    private @Nullable Boolean readOnly;

    /**
     * Run-time parameters sent when a connection is opened. Write a name holding '_' in brackets so Spring Boot
     * keeps it: {@code sluice.lanes.interactive.session-settings.[search_path]=app}.
     */
    private final Map<String, String> sessionSettings = new LinkedHashMap<>();

    /** SQL run once on each new connection of the lane. */
    private final List<String> sessionInit = new ArrayList<>();

    /** Connect this lane as another role than the server's user. */
    private @Nullable String user;

    /** The password of the lane's user. Never logged. */
    private @Nullable String password;

    /** Rows fetched per round trip when a result is streamed; 0 reads the whole result at once (default 256). */
    private @Nullable Integer fetchSize;

    /** A fixed admission limit: units of work in flight at once (default max-size). */
    private @Nullable Integer admissionLimit;

    /** Higher runs first (defaults: admin 30, interactive 20, own lanes 10, background 0). */
    private @Nullable Integer priority;

    /** The p99 latency this lane wants; lanes of lower priority yield while it is missed. */
    private @Nullable Duration latencyTarget;

    /** Report a connection held longer than this (off by default). */
    private @Nullable Duration leakDetectionThreshold;

    /** Open the breaker after this many infrastructure failures in a row on a quiet lane; 0 turns the rule off (default 5). */
    private @Nullable Integer breakerConsecutiveFailures;

    /** Report a unit of work that held its connection longer than this (default 5s). */
    private @Nullable Duration slowStatementThreshold;

    /** Whether slow units of work are reported (default true). */
    private boolean slowStatementReports = true;

    /** An adaptive admission limit (Gradient2) between min and max, replacing admission-limit when both are set. */
    private final Adaptive adaptiveAdmission = new Adaptive();

    /** Single autocommit statements pipelined over a few shared connections (both set, or neither: off). */
    private final Multiplexed multiplexed = new Multiplexed();

    /** How the lane retries transient failures of retry-safe work. */
    private final Retry retry = new Retry();

    /** The lane's circuit breaker (Resilience4j); only infrastructure failures count. */
    private final Breaker circuitBreaker = new Breaker();

    public boolean isEnabled() { return enabled; }
    public void setEnabled(boolean enabled) { this.enabled = enabled; }
    public @Nullable Integer getMaxSize() { return maxSize; }
    public void setMaxSize(@Nullable Integer maxSize) { this.maxSize = maxSize; }
    public @Nullable Integer getMinIdle() { return minIdle; }
    public void setMinIdle(@Nullable Integer minIdle) { this.minIdle = minIdle; }
    public @Nullable Integer getInitialSize() { return initialSize; }
    public void setInitialSize(@Nullable Integer initialSize) { this.initialSize = initialSize; }
    public @Nullable Duration getAcquireTimeout() { return acquireTimeout; }
    public void setAcquireTimeout(@Nullable Duration acquireTimeout) { this.acquireTimeout = acquireTimeout; }
    public @Nullable Integer getMaxPendingAcquires() { return maxPendingAcquires; }
    public void setMaxPendingAcquires(@Nullable Integer maxPendingAcquires) { this.maxPendingAcquires = maxPendingAcquires; }
    public java.util.List<String> getStandbys() { return standbys; }
    public void setStandbys(java.util.List<String> standbys) { this.standbys = standbys; }
    public @Nullable Duration getReplicaMaxLag() { return replicaMaxLag; }
    public void setReplicaMaxLag(@Nullable Duration replicaMaxLag) { this.replicaMaxLag = replicaMaxLag; }
    public @Nullable Duration getReplicaCheckInterval() { return replicaCheckInterval; }
    public void setReplicaCheckInterval(@Nullable Duration replicaCheckInterval) { this.replicaCheckInterval = replicaCheckInterval; }
    public @Nullable Duration getReadYourWritesWait() { return readYourWritesWait; }
    public void setReadYourWritesWait(@Nullable Duration readYourWritesWait) { this.readYourWritesWait = readYourWritesWait; }
    public @Nullable Boolean getPredictiveShedding() { return predictiveShedding; }
    public void setPredictiveShedding(@Nullable Boolean predictiveShedding) { this.predictiveShedding = predictiveShedding; }
    public @Nullable Duration getMaxIdleTime() { return maxIdleTime; }
    public void setMaxIdleTime(@Nullable Duration maxIdleTime) { this.maxIdleTime = maxIdleTime; }
    public @Nullable Duration getMaxLifetime() { return maxLifetime; }
    public void setMaxLifetime(@Nullable Duration maxLifetime) { this.maxLifetime = maxLifetime; }
    public @Nullable Duration getLifetimeJitter() { return lifetimeJitter; }
    public void setLifetimeJitter(@Nullable Duration lifetimeJitter) { this.lifetimeJitter = lifetimeJitter; }
    public @Nullable Duration getEvictionInterval() { return evictionInterval; }
    public void setEvictionInterval(@Nullable Duration evictionInterval) { this.evictionInterval = evictionInterval; }
    public @Nullable Long getMaxUses() { return maxUses; }
    public void setMaxUses(@Nullable Long maxUses) { this.maxUses = maxUses; }
    public @Nullable Boolean getValidateRemotely() { return validateRemotely; }
    public void setValidateRemotely(@Nullable Boolean validateRemotely) { this.validateRemotely = validateRemotely; }
    public @Nullable Duration getValidationTimeout() { return validationTimeout; }
    public void setValidationTimeout(@Nullable Duration validationTimeout) { this.validationTimeout = validationTimeout; }
    public @Nullable String getApplicationName() { return applicationName; }
    public void setApplicationName(@Nullable String applicationName) { this.applicationName = applicationName; }
    public @Nullable Duration getStatementTimeout() { return statementTimeout; }
    public void setStatementTimeout(@Nullable Duration statementTimeout) { this.statementTimeout = statementTimeout; }
    public @Nullable Duration getLockTimeout() { return lockTimeout; }
    public void setLockTimeout(@Nullable Duration lockTimeout) { this.lockTimeout = lockTimeout; }
    public @Nullable Duration getIdleInTransactionTimeout() { return idleInTransactionTimeout; }
    public void setIdleInTransactionTimeout(@Nullable Duration t) { this.idleInTransactionTimeout = t; }
    public @Nullable Duration getClientTimeout() { return clientTimeout; }
    public void setClientTimeout(@Nullable Duration clientTimeout) { this.clientTimeout = clientTimeout; }
    public @Nullable Isolation getIsolation() { return isolation; }
    public void setIsolation(@Nullable Isolation isolation) { this.isolation = isolation; }
    public @Nullable Boolean getReadOnly() { return readOnly; }
    public void setReadOnly(@Nullable Boolean readOnly) { this.readOnly = readOnly; }
    public Map<String, String> getSessionSettings() { return sessionSettings; }
    public List<String> getSessionInit() { return sessionInit; }
    public @Nullable String getUser() { return user; }
    public void setUser(@Nullable String user) { this.user = user; }
    public @Nullable String getPassword() { return password; }
    public void setPassword(@Nullable String password) { this.password = password; }
    public @Nullable Integer getFetchSize() { return fetchSize; }
    public void setFetchSize(@Nullable Integer fetchSize) { this.fetchSize = fetchSize; }
    public @Nullable Integer getAdmissionLimit() { return admissionLimit; }
    public void setAdmissionLimit(@Nullable Integer admissionLimit) { this.admissionLimit = admissionLimit; }
    public @Nullable Integer getPriority() { return priority; }
    public void setPriority(@Nullable Integer priority) { this.priority = priority; }
    public @Nullable Duration getLatencyTarget() { return latencyTarget; }
    public void setLatencyTarget(@Nullable Duration latencyTarget) { this.latencyTarget = latencyTarget; }
    public @Nullable Duration getLeakDetectionThreshold() { return leakDetectionThreshold; }
    public void setLeakDetectionThreshold(@Nullable Duration t) { this.leakDetectionThreshold = t; }
    public @Nullable Integer getBreakerConsecutiveFailures() { return breakerConsecutiveFailures; }
    public void setBreakerConsecutiveFailures(@Nullable Integer n) { this.breakerConsecutiveFailures = n; }
    public @Nullable Duration getSlowStatementThreshold() { return slowStatementThreshold; }
    public void setSlowStatementThreshold(@Nullable Duration t) { this.slowStatementThreshold = t; }
    public boolean isSlowStatementReports() { return slowStatementReports; }
    public void setSlowStatementReports(boolean reports) { this.slowStatementReports = reports; }
    public Adaptive getAdaptiveAdmission() { return adaptiveAdmission; }
    public Retry getRetry() { return retry; }
    public Breaker getCircuitBreaker() { return circuitBreaker; }

    public Multiplexed getMultiplexed() { return multiplexed; }

    /** {@code multiplexed.*}: both or neither. */
    public static class Multiplexed {
        /** Shared connections the lane's single statements are pipelined over. */
        private @Nullable Integer connections;
        /** Statements in flight per shared connection (at most 256). */
        private @Nullable Integer perConnection;

        public @Nullable Integer getConnections() { return connections; }
        public void setConnections(@Nullable Integer connections) { this.connections = connections; }
        public @Nullable Integer getPerConnection() { return perConnection; }
        public void setPerConnection(@Nullable Integer perConnection) { this.perConnection = perConnection; }
    }

    /** {@code adaptive-admission.*}: both or neither. */
    public static class Adaptive {
        /** The lowest admission limit. */
        private @Nullable Integer min;
        /** The highest admission limit. */
        private @Nullable Integer max;

        public @Nullable Integer getMin() { return min; }
        public void setMin(@Nullable Integer min) { this.min = min; }
        public @Nullable Integer getMax() { return max; }
        public void setMax(@Nullable Integer max) { this.max = max; }
    }

    /** {@code retry.*}: unset values keep Sluice's default policy (6 attempts, 50ms..1s, 5s in all, jitter 0.5). */
    public static class Retry {
        /** Whether the lane retries at all. */
        private boolean enabled = true;
        /** Attempts in all, the first included. */
        private @Nullable Integer maxAttempts;
        /** Delay before the first retry. */
        private @Nullable Duration initialBackoff;
        /** The longest delay between attempts. */
        private @Nullable Duration maxBackoff;
        /** No retry starts after this long from the first attempt. */
        private @Nullable Duration maxTotal;
        /** The share (0..1) of each delay that is random. */
        private @Nullable Double jitter;

        public boolean isEnabled() { return enabled; }
        public void setEnabled(boolean enabled) { this.enabled = enabled; }
        public @Nullable Integer getMaxAttempts() { return maxAttempts; }
        public void setMaxAttempts(@Nullable Integer maxAttempts) { this.maxAttempts = maxAttempts; }
        public @Nullable Duration getInitialBackoff() { return initialBackoff; }
        public void setInitialBackoff(@Nullable Duration initialBackoff) { this.initialBackoff = initialBackoff; }
        public @Nullable Duration getMaxBackoff() { return maxBackoff; }
        public void setMaxBackoff(@Nullable Duration maxBackoff) { this.maxBackoff = maxBackoff; }
        public @Nullable Duration getMaxTotal() { return maxTotal; }
        public void setMaxTotal(@Nullable Duration maxTotal) { this.maxTotal = maxTotal; }
        public @Nullable Double getJitter() { return jitter; }
        public void setJitter(@Nullable Double jitter) { this.jitter = jitter; }
    }

    /** {@code circuit-breaker.*}: unset values keep Sluice's default breaker (50% of >= 20 calls in 10s, 2s open). */
    public static class Breaker {
        /** Whether the lane has a circuit breaker. */
        private boolean enabled = true;
        /** The failure rate (percent) that opens the breaker. */
        private @Nullable Float failureRateThreshold;
        /** The sliding window, in seconds. */
        private @Nullable Integer slidingWindowSize;
        /** Calls the window must hold before the rate counts. */
        private @Nullable Integer minimumNumberOfCalls;
        /** How long the breaker stays open. */
        private @Nullable Duration waitDurationInOpenState;
        /** Trial calls while half-open. */
        private @Nullable Integer permittedNumberOfCallsInHalfOpenState;

        public boolean isEnabled() { return enabled; }
        public void setEnabled(boolean enabled) { this.enabled = enabled; }
        public @Nullable Float getFailureRateThreshold() { return failureRateThreshold; }
        public void setFailureRateThreshold(@Nullable Float t) { this.failureRateThreshold = t; }
        public @Nullable Integer getSlidingWindowSize() { return slidingWindowSize; }
        public void setSlidingWindowSize(@Nullable Integer s) { this.slidingWindowSize = s; }
        public @Nullable Integer getMinimumNumberOfCalls() { return minimumNumberOfCalls; }
        public void setMinimumNumberOfCalls(@Nullable Integer n) { this.minimumNumberOfCalls = n; }
        public @Nullable Duration getWaitDurationInOpenState() { return waitDurationInOpenState; }
        public void setWaitDurationInOpenState(@Nullable Duration d) { this.waitDurationInOpenState = d; }
        public @Nullable Integer getPermittedNumberOfCallsInHalfOpenState() { return permittedNumberOfCallsInHalfOpenState; }
        public void setPermittedNumberOfCallsInHalfOpenState(@Nullable Integer n) { this.permittedNumberOfCallsInHalfOpenState = n; }
    }
}
