package io.sluice.pool;

import io.sluice.ConfigurationException;
import io.sluice.Isolation;
import io.sluice.Lane;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import org.jspecify.annotations.Nullable;

/**
 * One lane's pool and session defaults. Immutable; from {@link #builder(Lane)}, whose setters reject a
 * bad value at once (naming the lane, the setting and the value) and whose {@link Builder#build()}
 * checks the settings against each other. Nothing is silently corrected.
 *
 * <p>Defaults: maxSize 10, minIdle 0, initialSize 0, acquireTimeout 2 s (callers are told "busy" fast
 * rather than left waiting), maxPendingAcquires max(64, 16 x maxSize) with predictive shedding on, maxIdleTime 10 min, maxLifetime 30 min
 * with 10% jitter, eviction every 30 s, no max uses, fetch size 256, {@code application_name}
 * {@code sluice-<lane>}.
 */
public final class LaneConfig {

    private static final Pattern SETTING_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.]*");

    private final Lane lane;
    private final int maxSize;
    private final int minIdle;
    private final int initialSize;
    private final Duration acquireTimeout;
    private final int maxPendingAcquires;
    private final boolean predictiveShedding;
    private final Duration maxIdleTime;
    private final Duration maxLifetime;
    private final Duration lifetimeJitter;
    private final Duration evictionInterval;
    private final long maxUses;
    private final boolean validateRemotely;
    private final Duration validationTimeout;
    private final String applicationName;
    private final @Nullable Duration statementTimeout;
    private final @Nullable Duration lockTimeout;
    private final @Nullable Duration idleInTransactionTimeout;
    private final @Nullable Duration clientTimeout;
    private final @Nullable Isolation isolation;
    private final boolean readOnly;
    private final Map<String, String> sessionSettings;
    private final List<String> sessionInit;
    private final @Nullable String user;
    private final @Nullable String password;
    private final int fetchSize;
    private final int admissionLimit;
    private final int sharedConnections;
    private final int perConnection;
    private final int adaptiveMin;
    private final int adaptiveMax;
    private final RetryPolicy retry;
    private final @Nullable CircuitBreakerConfig circuitBreaker;
    private final int priority;
    private final @Nullable Duration latencyTarget;
    private final @Nullable Duration leakDetectionThreshold;
    private final int breakerConsecutiveFailures;
    private final @Nullable Duration slowStatementThreshold;

    private LaneConfig(Builder b) {
        this.lane = b.lane;
        this.maxSize = b.maxSize;
        this.minIdle = b.minIdle;
        this.initialSize = b.initialSize;
        this.acquireTimeout = b.acquireTimeout;
        this.maxPendingAcquires = b.maxPendingAcquires != null ? b.maxPendingAcquires : defaultMaxPending(b.maxSize);
        this.predictiveShedding = b.predictiveShedding;
        this.maxIdleTime = b.maxIdleTime;
        this.maxLifetime = b.maxLifetime;
        this.lifetimeJitter = b.lifetimeJitter != null ? b.lifetimeJitter : b.maxLifetime.dividedBy(10);
        this.evictionInterval = b.evictionInterval != null ? b.evictionInterval : derivedEvictionInterval(maxIdleTime, maxLifetime, lifetimeJitter);
        this.maxUses = b.maxUses;
        this.validateRemotely = b.validateRemotely;
        this.validationTimeout = b.validationTimeout;
        this.applicationName = b.applicationName != null ? b.applicationName : "sluice-" + b.lane.name();
        this.statementTimeout = b.statementTimeout;
        this.lockTimeout = b.lockTimeout;
        this.idleInTransactionTimeout = b.idleInTransactionTimeout;
        this.clientTimeout = b.clientTimeout != null ? b.clientTimeout
                : b.statementTimeout != null ? b.statementTimeout.plusSeconds(5) : null;
        this.isolation = b.isolation;
        this.readOnly = b.readOnly;
        this.sessionSettings = Map.copyOf(b.sessionSettings);
        this.sessionInit = List.copyOf(b.sessionInit);
        this.user = b.user;
        this.password = b.password;
        this.fetchSize = b.fetchSize;
        this.admissionLimit = b.admissionLimit != null ? b.admissionLimit : b.maxSize + b.sharedConnections * b.perConnection;
        this.sharedConnections = b.sharedConnections;
        this.perConnection = b.perConnection;
        this.adaptiveMin = b.adaptiveMin;
        this.adaptiveMax = b.adaptiveMax;
        this.retry = b.retry;
        this.circuitBreaker = b.circuitBreakerOff ? null : b.circuitBreaker != null ? b.circuitBreaker : DEFAULT_BREAKER;
        this.priority = b.priority != null ? b.priority : defaultPriority(b.lane);
        this.latencyTarget = b.latencyTarget;
        this.leakDetectionThreshold = b.leakDetectionThreshold;
        this.breakerConsecutiveFailures = b.breakerConsecutiveFailures;
        this.slowStatementThreshold = b.slowStatementThreshold;
    }

    public static Builder builder(Lane lane) {
        return new Builder(Check.notNull("lane", lane));
    }

    public Lane lane() { return lane; }
    public int maxSize() { return maxSize; }
    public int minIdle() { return minIdle; }
    public int initialSize() { return initialSize; }
    public Duration acquireTimeout() { return acquireTimeout; }
    public int maxPendingAcquires() { return maxPendingAcquires; }

    /** Whether a caller is rejected at once when its predicted wait exceeds its acquire timeout or deadline. */
    public boolean predictiveShedding() { return predictiveShedding; }

    /**
     * The default queue bound: a backstop for memory, not the shedding rule. With predictive shedding, a
     * caller is queued only while its predicted wait fits its budget, so a long queue of fast work waits
     * (a millisecond each) instead of being shed.
     */
    static int defaultMaxPending(int maxSize) {
        return Math.max(64, 16 * maxSize);
    }
    public Duration maxIdleTime() { return maxIdleTime; }
    public Duration maxLifetime() { return maxLifetime; }
    public Duration lifetimeJitter() { return lifetimeJitter; }
    public Duration evictionInterval() { return evictionInterval; }
    /** Acquisitions after which a connection is closed and replaced; 0 for no limit. */
    public long maxUses() { return maxUses; }
    public boolean validateRemotely() { return validateRemotely; }
    public Duration validationTimeout() { return validationTimeout; }
    public String applicationName() { return applicationName; }
    public @Nullable Duration statementTimeout() { return statementTimeout; }
    public @Nullable Duration lockTimeout() { return lockTimeout; }
    public @Nullable Duration idleInTransactionTimeout() { return idleInTransactionTimeout; }
    /** How long work may wait on the server before the client cancels it and discards its connection. */
    public @Nullable Duration clientTimeout() { return clientTimeout; }
    public @Nullable Isolation isolation() { return isolation; }
    public boolean readOnly() { return readOnly; }
    public Map<String, String> sessionSettings() { return sessionSettings; }
    public List<String> sessionInit() { return sessionInit; }
    /** The role this lane connects as, or {@code null} for the server configuration's user. */
    public @Nullable String user() { return user; }
    @Nullable String password() { return password; }
    public int fetchSize() { return fetchSize; }
    /** Units of work admitted at once (the starting point when adaptive). */
    public int admissionLimit() { return admissionLimit; }

    /** Whether the lane multiplexes single autocommit statements over shared connections ({@link Builder#multiplexed}). */
    public boolean multiplexed() { return sharedConnections > 0; }

    /** The lane's shared connections (0 when not multiplexed); they count against the connection budget besides maxSize. */
    public int sharedConnections() { return sharedConnections; }

    /** Statements in flight at most on each shared connection (0 when not multiplexed). */
    public int perConnection() { return perConnection; }
    /** Whether the admission limit adapts to latency (Gradient2) between {@link #adaptiveMin()} and {@link #adaptiveMax()}. */
    public boolean adaptive() { return adaptiveMax > 0; }
    public int adaptiveMin() { return adaptiveMin; }
    public int adaptiveMax() { return adaptiveMax; }
    public RetryPolicy retry() { return retry; }
    /** The lane's circuit breaker settings, or {@code null} when it has none. */
    public @Nullable CircuitBreakerConfig circuitBreaker() { return circuitBreaker; }
    /** Higher runs first: lower-priority lanes yield admission while a higher one misses its latency target. */
    public int priority() { return priority; }
    /** The p99 latency this lane wants; {@code null} for none. */
    public @Nullable Duration latencyTarget() { return latencyTarget; }
    /** A connection held longer than this is reported as a leak suspect; {@code null} for no check. */
    public @Nullable Duration leakDetectionThreshold() { return leakDetectionThreshold; }
    /** Infrastructure failures in a row that open the breaker whatever its window says; 0: no such rule. */
    public int breakerConsecutiveFailures() { return breakerConsecutiveFailures; }

    /** Default of {@link Builder#breakerConsecutiveFailures(int)}. */
    static final int DEFAULT_CONSECUTIVE_FAILURES = 5;

    /** Units that hold a connection longer than this are reported as slow; null when off. Default 5 s. */
    public @Nullable Duration slowStatementThreshold() { return slowStatementThreshold; }

    /** Units holding a connection longer than this are reported as slow unless the lane says otherwise. */
    static final Duration DEFAULT_SLOW_STATEMENT_THRESHOLD = Duration.ofSeconds(5);

    /**
     * Opens when at least half of the calls of the last 10 s failed for infrastructure reasons (at least
     * 20 calls); 2 s open; 3 trial calls half-open. A time window, not a count: a blip (a restart refusing
     * connections for 0.3 s) under load is a small share of the window and is ridden out by retries, while
     * a database that stays down trips it.
     */
    static final CircuitBreakerConfig DEFAULT_BREAKER = CircuitBreakerConfig.custom()
            .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.TIME_BASED)
            .slidingWindowSize(10)
            .minimumNumberOfCalls(20)
            .failureRateThreshold(50)
            .waitDurationInOpenState(Duration.ofSeconds(2))
            .permittedNumberOfCallsInHalfOpenState(3)
            .automaticTransitionFromOpenToHalfOpenEnabled(false)
            .build();

    private static int defaultPriority(Lane lane) {
        if (lane.equals(Lane.ADMIN)) {
            return 30;
        }
        if (lane.equals(Lane.INTERACTIVE)) {
            return 20;
        }
        return lane.equals(Lane.BACKGROUND) ? 0 : 10;
    }

    /** The eviction sweep that honours the shortest of the idle and lifetime settings on time. */
    static Duration derivedEvictionInterval(Duration maxIdleTime, Duration maxLifetime, Duration jitter) {
        Duration d = Duration.ofSeconds(30);
        for (Duration c : new Duration[]{maxIdleTime.dividedBy(10), maxLifetime.dividedBy(10), jitter.dividedBy(4)}) {
            if (!c.isZero() && c.compareTo(d) < 0) {
                d = c;
            }
        }
        return d.compareTo(Duration.ofMillis(10)) < 0 ? Duration.ofMillis(10) : d;
    }

    @Override
    public String toString() {
        return "LaneConfig[" + lane + ": maxSize=" + maxSize + ", minIdle=" + minIdle + ", initialSize=" + initialSize
                + ", acquireTimeout=" + acquireTimeout + ", maxPendingAcquires=" + maxPendingAcquires
                + ", predictiveShedding=" + predictiveShedding
                + ", maxIdleTime=" + maxIdleTime + ", maxLifetime=" + maxLifetime + "±" + lifetimeJitter
                + ", maxUses=" + maxUses + ", applicationName=" + applicationName
                + ", statementTimeout=" + statementTimeout + ", user=" + (user == null ? "<server's>" : user)
                + ", password=" + (password == null ? "<server's>" : "<hidden>") + "]";
    }

    /** Validating builder for {@link LaneConfig}. */
    public static final class Builder {
        private final Lane lane;
        private int maxSize = 10;
        private int minIdle = 0;
        private int initialSize = 0;
        private Duration acquireTimeout = Duration.ofSeconds(2);
        private @Nullable Integer maxPendingAcquires;
        private boolean predictiveShedding = true;
        private Duration maxIdleTime = Duration.ofMinutes(10);
        private Duration maxLifetime = Duration.ofMinutes(30);
        private @Nullable Duration lifetimeJitter;
        private @Nullable Duration evictionInterval;
        private long maxUses = 0;
        private boolean validateRemotely = false;
        private Duration validationTimeout = Duration.ofSeconds(5);
        private @Nullable String applicationName;
        private @Nullable Duration statementTimeout;
        private @Nullable Duration lockTimeout;
        private @Nullable Duration idleInTransactionTimeout;
        private @Nullable Duration clientTimeout;
        private @Nullable Isolation isolation;
        private boolean readOnly;
        private final Map<String, String> sessionSettings = new LinkedHashMap<>();
        private final List<String> sessionInit = new ArrayList<>();
        private @Nullable String user;
        private @Nullable String password;
        private int fetchSize = 256;
        private @Nullable Integer admissionLimit;
        private int sharedConnections;
        private int perConnection;
        private int adaptiveMin;
        private int adaptiveMax;
        private RetryPolicy retry = RetryPolicy.defaults();
        private @Nullable CircuitBreakerConfig circuitBreaker;
        private boolean circuitBreakerOff;
        private @Nullable Integer priority;
        private @Nullable Duration latencyTarget;
        private @Nullable Duration leakDetectionThreshold;
        private int breakerConsecutiveFailures = DEFAULT_CONSECUTIVE_FAILURES;
        private @Nullable Duration slowStatementThreshold = DEFAULT_SLOW_STATEMENT_THRESHOLD;

        private Builder(Lane lane) {
            this.lane = lane;
        }

        private String s(String setting) {
            return "lane '" + lane.name() + "': " + setting;
        }

        /** The most connections this lane holds at once. */
        public Builder maxSize(int maxSize) {
            this.maxSize = Check.atLeast(s("maxSize"), maxSize, 1);
            return this;
        }

        /** Connections kept open even when idle; background eviction refills to this. */
        public Builder minIdle(int minIdle) {
            this.minIdle = Check.atLeast(s("minIdle"), minIdle, 0);
            return this;
        }

        /** Connections opened at start-up. */
        public Builder initialSize(int initialSize) {
            this.initialSize = Check.atLeast(s("initialSize"), initialSize, 0);
            return this;
        }

        /** How long a caller waits for a connection before {@code ConnectionUnavailableException}. */
        public Builder acquireTimeout(Duration timeout) {
            this.acquireTimeout = Check.positive(s("acquireTimeout"), timeout);
            return this;
        }

        /**
         * Callers allowed to wait for a connection; the next one is rejected at once. Default max(64,
         * 16 x maxSize): with {@link #predictiveShedding(boolean)} on, the wait a caller can afford bounds
         * the queue first, and this count only bounds memory.
         */
        public Builder maxPendingAcquires(int max) {
            this.maxPendingAcquires = Check.atLeast(s("maxPendingAcquires"), max, 0);
            return this;
        }

        /**
         * On (the default): a caller that would have to queue is rejected at once, with
         * {@link io.sluice.LaneOverloadedException} and its {@code predictedWait()}, when the wait predicted
         * for it (the waiters ahead of it times the recent time a unit holds its admission, divided by the
         * admission limit) exceeds what it can wait: {@code acquireTimeout}, or its deadline when sooner. It
         * would otherwise wait out that time and fail anyway. Off: only {@code maxPendingAcquires} and the
         * timeout bound the wait.
         */
        public Builder predictiveShedding(boolean on) {
            this.predictiveShedding = on;
            return this;
        }

        public Builder maxIdleTime(Duration time) {
            this.maxIdleTime = Check.positive(s("maxIdleTime"), time);
            return this;
        }

        public Builder maxLifetime(Duration time) {
            this.maxLifetime = Check.positive(s("maxLifetime"), time);
            return this;
        }

        /** Each connection's lifetime is shortened by a random part of this, so connections do not all expire at once. */
        public Builder lifetimeJitter(Duration jitter) {
            this.lifetimeJitter = Check.notNegative(s("lifetimeJitter"), jitter);
            return this;
        }

        /**
         * How often idle connections past their idle time or lifetime are closed and the minimum refilled.
         * Default: derived from the settings it enforces, so none is honoured late: the shortest of 30 s, a
         * tenth of maxIdleTime, a tenth of maxLifetime and a quarter of lifetimeJitter (at least 10 ms). An
         * explicit value longer than a quarter of maxIdleTime or of maxLifetime is rejected at build.
         */
        public Builder evictionInterval(Duration interval) {
            this.evictionInterval = Check.positive(s("evictionInterval"), interval);
            return this;
        }

        /** Close and replace a connection after this many acquisitions; 0 for no limit. */
        public Builder maxUses(long maxUses) {
            if (maxUses < 0) {
                throw new ConfigurationException(s("maxUses"), s("maxUses") + " must be 0 (no limit) or positive, was " + maxUses);
            }
            this.maxUses = maxUses;
            return this;
        }

        /**
         * Check each connection with a round trip ({@code SELECT 1}) when it is lent out, not only that its
         * socket is open. Costs a round trip per acquire; off by default.
         */
        public Builder validateRemotely(boolean remote) {
            this.validateRemotely = remote;
            return this;
        }

        public Builder validationTimeout(Duration timeout) {
            this.validationTimeout = Check.positive(s("validationTimeout"), timeout);
            return this;
        }

        /** The {@code application_name} this lane's connections show in {@code pg_stat_activity}. */
        public Builder applicationName(String name) {
            Check.notBlank(s("applicationName"), name);
            if (name.length() > 63) {
                throw new ConfigurationException(s("applicationName"), s("applicationName")
                        + " must be at most 63 characters (PostgreSQL truncates longer names), was " + name.length());
            }
            this.applicationName = name;
            return this;
        }

        /** Default {@code statement_timeout} of this lane's sessions. A transaction's own option wins. */
        public Builder statementTimeout(Duration timeout) {
            this.statementTimeout = Check.positive(s("statementTimeout"), timeout);
            return this;
        }

        /** Default {@code lock_timeout} of this lane's sessions. */
        public Builder lockTimeout(Duration timeout) {
            this.lockTimeout = Check.positive(s("lockTimeout"), timeout);
            return this;
        }

        /** The server closes a session left idle inside a transaction for longer than this. */
        public Builder idleInTransactionTimeout(Duration timeout) {
            this.idleInTransactionTimeout = Check.positive(s("idleInTransactionTimeout"), timeout);
            return this;
        }

        /**
         * How long a unit of work (or, for a stream, each next row) may wait on the server before the
         * client gives up: the work fails with {@code QueryTimeoutException}, the statement is cancelled
         * and its connection discarded unless the server confirms. Detects hung queries and half-open
         * sockets that {@code statement_timeout} cannot. Default: statementTimeout + 5 s when a statement
         * timeout is set, otherwise none.
         */
        public Builder clientTimeout(Duration timeout) {
            this.clientTimeout = Check.positive(s("clientTimeout"), timeout);
            return this;
        }

        /** Default isolation of this lane's transactions. */
        public Builder isolation(Isolation isolation) {
            this.isolation = Check.notNull(s("isolation"), isolation);
            return this;
        }

        /** Make every transaction of the lane read-only unless it asks otherwise. */
        public Builder readOnly(boolean readOnly) {
            this.readOnly = readOnly;
            return this;
        }

        /**
         * A run-time parameter sent when a connection is opened (no extra round trip), e.g.
         * {@code sessionSetting("search_path", "app")} or {@code ("TimeZone", "UTC")}.
         */
        public Builder sessionSetting(String name, String value) {
            if (name == null || !SETTING_NAME.matcher(name).matches()) {
                throw new ConfigurationException(s("sessionSetting"), s("sessionSetting") + " name '" + name + "' is not a PostgreSQL parameter name");
            }
            sessionSettings.put(name, Check.notNull(s("sessionSetting " + name), value));
            return this;
        }

        /** SQL run once on each new connection of the lane, before it is first lent out. */
        public Builder sessionInit(String sql) {
            sessionInit.add(Check.notBlank(s("sessionInit"), sql));
            return this;
        }

        /** Connect this lane as another role, e.g. a privileged one for {@code admin}, a least-privilege one for {@code interactive}. */
        public Builder credentials(String user, @Nullable String password) {
            this.user = Check.notBlank(s("user"), user);
            this.password = password;
            return this;
        }

        /** Rows fetched per round trip when a result is streamed; 0 reads the whole result at once. */
        public Builder fetchSize(int rows) {
            this.fetchSize = Check.atLeast(s("fetchSize"), rows, 0);
            return this;
        }

        /** Most statements one shared connection may carry at once: r2dbc-postgresql's client queues at most 256 exchanges. */
        public static final int MAX_PER_CONNECTION = 256;

        /**
         * Multiplexes the lane's single autocommit statements ({@code one()}, {@code optional()},
         * {@code rowsUpdated()} of {@code db.sql(lane, ..)}, and {@code all()} of an {@code idempotent()} one whose
         * result fits in one fetch) over {@code connections} shared server connections, up to
         * {@code perConnection} statements in flight on each, pipelined: sent without waiting for the previous
         * answer. Everything else of the lane (transactions, {@code withConnection}, other streams, statements
         * returning generated values or binding types the shared connections do not send) takes a connection of
         * its own from the lane's pool of {@code maxSize}, as without this setting; an idempotent stream larger
         * than one fetch runs again there, before any row was emitted. The shared connections open on demand and
         * count against the connection budget besides maxSize; the admission limit defaults to
         * {@code maxSize + connections * perConnection} (lower it for slow statements: pipelining them only
         * queues them). Off by default.
         *
         * @throws ConfigurationException when {@code connections} is below 1 or {@code perConnection} is not
         *         between 1 and {@value #MAX_PER_CONNECTION}
         */
        public Builder multiplexed(int connections, int perConnection) {
            Check.atLeast(s("multiplexed connections"), connections, 1);
            Check.atLeast(s("multiplexed perConnection"), perConnection, 1);
            if (perConnection > MAX_PER_CONNECTION) {
                throw new ConfigurationException(s("multiplexed"), s("multiplexed") + " perConnection (" + perConnection
                        + ") must not exceed " + MAX_PER_CONNECTION + ": r2dbc-postgresql's client rejects further exchanges "
                        + "on a connection; use more connections instead");
            }
            this.sharedConnections = connections;
            this.perConnection = perConnection;
            return this;
        }

        /** A fixed admission limit: at most this many units of work in flight (default: maxSize, plus the shared slots of a multiplexed lane). */
        public Builder admissionLimit(int limit) {
            this.admissionLimit = Check.atLeast(s("admissionLimit"), limit, 1);
            this.adaptiveMin = 0;
            this.adaptiveMax = 0;
            return this;
        }

        /**
         * An adaptive admission limit (Gradient2) that follows measured latency between {@code min} and
         * {@code max}, starting from maxSize (or {@link #admissionLimit(int)} if set before).
         */
        public Builder adaptiveAdmission(int min, int max) {
            Check.atLeast(s("adaptiveAdmission min"), min, 1);
            if (max < min) {
                throw new ConfigurationException(s("adaptiveAdmission"), s("adaptiveAdmission") + " max (" + max
                        + ") must not be below min (" + min + ")");
            }
            this.adaptiveMin = min;
            this.adaptiveMax = max;
            return this;
        }

        /** How the lane retries transient failures of retry-safe work; {@link RetryPolicy#none()} turns it off. */
        public Builder retry(RetryPolicy policy) {
            this.retry = Check.notNull(s("retry"), policy);
            return this;
        }

        /**
         * The lane's circuit breaker (Resilience4j). Only infrastructure failures (connection loss,
         * timeouts, server unavailable) count against it; caller errors never open it.
         */
        public Builder circuitBreaker(CircuitBreakerConfig config) {
            this.circuitBreaker = Check.notNull(s("circuitBreaker"), config);
            this.circuitBreakerOff = false;
            return this;
        }

        /**
         * Opens the breaker after this many infrastructure failures in a row while its window holds fewer
         * calls than its minimum (a busy lane's window decides alone): a quiet lane (a background or admin lane with a handful of calls per window) never reaches
         * the window's minimum number of calls. Default 5; 0 turns the rule off (the window alone decides).
         */
        public Builder breakerConsecutiveFailures(int failures) {
            this.breakerConsecutiveFailures = Check.atLeast(s("breakerConsecutiveFailures"), failures, 0);
            return this;
        }

        /** No circuit breaker for this lane. */
        public Builder noCircuitBreaker() {
            this.circuitBreakerOff = true;
            return this;
        }

        /** Higher runs first (defaults: admin 30, interactive 20, own lanes 10, background 0). */
        public Builder priority(int priority) {
            this.priority = priority;
            return this;
        }

        /**
         * The p99 latency this lane wants. While it is missed, lanes of lower priority yield: their
         * admission limits shrink, and grow back once it is met again.
         */
        public Builder latencyTarget(Duration target) {
            this.latencyTarget = Check.positive(s("latencyTarget"), target);
            return this;
        }

        /**
         * Report a connection held longer than this (a subscription that never ends, work that forgot to
         * complete): a warning naming the lane and how long, and the {@code sluice.pool.leak.suspects}
         * meter. Checked every evictionInterval. Off by default.
         */
        public Builder leakDetectionThreshold(Duration threshold) {
            this.leakDetectionThreshold = Check.positive(s("leakDetectionThreshold"), threshold);
            return this;
        }

        /**
         * Report a unit of work that held its connection longer than this (for {@code db.sql(..)}, one
         * statement; for a transaction, all of it): one WARN line naming the lane, the operation name
         * ({@link io.sluice.Query#named(String)}) and the duration, never the SQL or its values; an event
         * on {@link Lanes#slowStatements()}; and the {@code sluice.lane.slow} counter. Default 5 s, the
         * threshold the plans Sluice grew from log at.
         */
        public Builder slowStatementThreshold(Duration threshold) {
            this.slowStatementThreshold = Check.positive(s("slowStatementThreshold"), threshold);
            return this;
        }

        /** No slow-statement reports for this lane. */
        public Builder noSlowStatementReports() {
            this.slowStatementThreshold = null;
            return this;
        }

        /**
         * @throws ConfigurationException when settings contradict each other (e.g. minIdle above maxSize)
         */
        public LaneConfig build() {
            if (minIdle > maxSize) {
                throw new ConfigurationException(s("minIdle"), s("minIdle") + " (" + minIdle + ") must not exceed maxSize (" + maxSize + ")");
            }
            if (initialSize > maxSize) {
                throw new ConfigurationException(s("initialSize"), s("initialSize") + " (" + initialSize + ") must not exceed maxSize (" + maxSize + ")");
            }
            if (lifetimeJitter != null && lifetimeJitter.compareTo(maxLifetime) >= 0) {
                throw new ConfigurationException(s("lifetimeJitter"), s("lifetimeJitter") + " (" + lifetimeJitter
                        + ") must be shorter than maxLifetime (" + maxLifetime + ")");
            }
            Duration shortest = maxIdleTime.compareTo(maxLifetime) < 0 ? maxIdleTime : maxLifetime;
            if (evictionInterval != null && evictionInterval.compareTo(shortest.dividedBy(4)) > 0) {
                throw new ConfigurationException(s("evictionInterval"), s("evictionInterval") + " (" + evictionInterval
                        + ") is longer than a quarter of " + (shortest == maxIdleTime ? "maxIdleTime" : "maxLifetime")
                        + " (" + shortest + "): connections would be closed up to " + evictionInterval + " late. "
                        + "Shorten evictionInterval, or leave it unset to derive it from maxIdleTime and maxLifetime");
            }
            List<String> reserved = List.of("application_name", "statement_timeout", "lock_timeout",
                    "default_transaction_read_only", "default_transaction_isolation");
            for (String name : sessionSettings.keySet()) {
                // PostgreSQL reads parameter names case-insensitively
                if (reserved.contains(name.toLowerCase(Locale.ROOT))) {
                    throw new ConfigurationException(s("sessionSetting"), s("sessionSetting") + " '" + name
                            + "' has its own setter on LaneConfig.Builder; use that");
                }
            }
            return new LaneConfig(this);
        }
    }
}
