package io.sluice.pool;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.sluice.FailureKind;
import io.sluice.Lane;
import io.sluice.Operation;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import reactor.util.Logger;
import reactor.util.Loggers;
import reactor.util.context.ContextView;

/**
 * One lane's meters (names in {@link SluiceMeters}) and slow-statement reports. Every meter is looked up
 * once: gauges and function counters when the lane is built, timers once per operation name (then held
 * by {@link Op}), so recording a unit is a field read and a {@code record} call, never a registry lookup.
 * Without a registry nothing is registered and the gate and pool record nothing; leases are still timed
 * (two clock reads) while the lane reports slow statements.
 */
final class LaneMeters {

    private static final Logger LOG = Loggers.getLogger(LaneMeters.class);

    /** Distinct operation names a lane keeps meters for; later names count as {@value SluiceMeters#OTHER_OPERATION}. */
    static final int MAX_OPERATIONS = 200;

    /** Outcome codes the gate reports: these three, then {@code KINDS_FROM + kind.ordinal()} for each failure kind. */
    static final int SUCCESS = 0;
    static final int CANCELLED = 1;
    static final int APPLICATION_ERROR = 2;
    private static final int KINDS_FROM = 3;
    private static final FailureKind[] KINDS = FailureKind.values();

    private final Lane lane;
    private final @Nullable MeterRegistry registry;
    private final boolean histograms;
    private final @Nullable Duration slowThreshold;
    private final long slowNanos;
    private final SlowStatements slow;
    private final Tags laneTags;
    private final Tags poolTags;
    private final Op unnamed;
    private final ConcurrentHashMap<String, Op> ops = new ConcurrentHashMap<>();
    private volatile @Nullable Op other;
    private final @Nullable Counter created;
    private final @Nullable Counter createFailed;
    private final @Nullable Timer createTime;
    private final ConcurrentHashMap<String, Counter> closed = new ConcurrentHashMap<>();

    /**
     * @param registry   where meters go; null for none
     * @param histograms whether timers publish percentile histograms
     */
    LaneMeters(LaneConfig config, @Nullable MeterRegistry registry, boolean histograms, SlowStatements slow) {
        this.lane = config.lane();
        this.registry = registry;
        this.histograms = histograms;
        this.slowThreshold = config.slowStatementThreshold();
        this.slowNanos = slowThreshold == null ? Long.MAX_VALUE : slowThreshold.toNanos();
        this.slow = slow;
        this.laneTags = Tags.of("lane", lane.name());
        this.poolTags = Tags.of(SluiceMeters.POOL_NAME, lane.name(), "lane", lane.name());
        this.unnamed = new Op(SluiceMeters.UNNAMED);
        this.created = registry == null ? null : Counter.builder(SluiceMeters.CONNECTIONS_CREATED).tags(laneTags).register(registry);
        this.createFailed = registry == null ? null : Counter.builder(SluiceMeters.CONNECTIONS_CREATE_FAILED).tags(laneTags).register(registry);
        this.createTime = registry == null ? null : timer(SluiceMeters.CONNECTION_CREATE_TIME, poolTags);
    }

    /** No meters, no slow-statement reports: for a pool built on its own (tests). */
    static LaneMeters none(LaneConfig config) {
        return new LaneMeters(LaneConfig.builder(config.lane()).noSlowStatementReports().build(), null, false, new SlowStatements());
    }

    private Timer timer(String name, Tags tags) {
        return Timer.builder(name).tags(tags).publishPercentileHistogram(histograms).register(registry);
    }

    /** Whether the gate reports finished units here. */
    boolean recordsUnits() {
        return registry != null;
    }

    /** Whether the pool times leases: for meters or for slow-statement reports. */
    boolean timesLeases() {
        return registry != null || slowThreshold != null;
    }

    /** The meters of the operation named in this context (unnamed when none). */
    Op op(ContextView context) {
        return op(Operation.from(context));
    }

    Op op(@Nullable String name) {
        if (name == null) {
            return unnamed;
        }
        Op op = ops.get(name);
        if (op != null) {
            return op;
        }
        if (ops.size() >= MAX_OPERATIONS) {
            Op o = other;
            if (o == null) {
                LOG.warn("[lane {}] more than {} distinct operation names; further names are counted as '{}'. An operation "
                        + "name must be a fixed label (\"ratings.upsert\"), never a value", lane.name(), MAX_OPERATIONS,
                        SluiceMeters.OTHER_OPERATION);
                o = new Op(SluiceMeters.OTHER_OPERATION);
                other = o;
            }
            return o;
        }
        return ops.computeIfAbsent(name, Op::new);
    }

    /** One operation's meters on this lane, registered when the operation is first seen. */
    final class Op {
        final String name;
        private final @Nullable Timer wait;
        private final @Nullable Timer use;
        /** By outcome code; registered on first use (racing registrations get the same timer back). */
        private final @Nullable Timer[] work = new Timer[KINDS_FROM + KINDS.length];
        private volatile @Nullable Counter slowCount;

        Op(String name) {
            this.name = name;
            Tags tags = poolTags.and("operation", name);
            this.wait = registry == null ? null : timer(SluiceMeters.CONNECTION_WAIT_TIME, tags);
            this.use = registry == null ? null : timer(SluiceMeters.CONNECTION_USE_TIME, tags);
        }

        /** A unit got its connection after waiting this long (admission queue and pool). */
        void waited(long nanos) {
            if (wait != null) {
                wait.record(nanos, TimeUnit.NANOSECONDS);
            }
        }

        /** A unit handed its connection back after holding it this long. */
        void held(long nanos) {
            if (use != null) {
                use.record(nanos, TimeUnit.NANOSECONDS);
            }
            if (nanos > slowNanos) {
                slow.report(new SlowStatement(lane, name, Duration.ofNanos(nanos), slowThreshold),
                        registry == null ? null : () -> slowCounter().increment());
            }
        }

        void finished(long nanos, int outcome) {
            Timer t = work[outcome];
            if (t == null) {
                t = timer(SluiceMeters.WORK, laneTags.and("operation", name, "outcome", outcomeTag(outcome)));
                work[outcome] = t;
            }
            t.record(nanos, TimeUnit.NANOSECONDS);
        }

        private Counter slowCounter() {
            Counter c = slowCount;
            if (c == null) {
                c = Counter.builder(SluiceMeters.SLOW).tags(laneTags.and("operation", name)).register(registry);
                slowCount = c;
            }
            return c;
        }
    }

    /** The outcome code of a unit that failed with {@code kind}; null: the application's own error. */
    static int outcome(@Nullable FailureKind kind) {
        return kind == null ? APPLICATION_ERROR : KINDS_FROM + kind.ordinal();
    }

    static String outcomeTag(int outcome) {
        return switch (outcome) {
            case SUCCESS -> "success";
            case CANCELLED -> "cancelled";
            case APPLICATION_ERROR -> "application_error";
            default -> KINDS[outcome - KINDS_FROM].name().toLowerCase(Locale.ROOT);
        };
    }

    /** The gate's report of a finished attempt: its time at the gate, its outcome, its context. */
    void finished(long nanos, int outcome, ContextView context) {
        op(context).finished(nanos, outcome);
    }

    void created(long nanos) {
        if (registry != null) {
            created.increment();
            createTime.record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    void createFailed() {
        if (createFailed != null) {
            createFailed.increment();
        }
    }

    void closed(String reason) {
        if (registry != null) {
            closed.computeIfAbsent(reason, r -> Counter.builder(SluiceMeters.CONNECTIONS_CLOSED)
                    .tags(laneTags.and("reason", r)).register(registry)).increment();
        }
    }

    /** Registers the lane's gauges and function counters and has the gate report finished units; nothing without a registry. */
    void bind(PooledLane l) {
        MeterRegistry meters = registry;
        if (meters == null) {
            return;
        }
        AdmissionGate gate = l.gate();
        LanePool p = l.pool();
        LaneConfig config = l.config();
        Gauge.builder(SluiceMeters.CONNECTION_COUNT, p, x -> x.snapshot().idle()).tags(poolTags).tag("state", "idle").register(meters);
        Gauge.builder(SluiceMeters.CONNECTION_COUNT, p, x -> x.snapshot().acquired()).tags(poolTags).tag("state", "used").register(meters);
        Gauge.builder(SluiceMeters.CONNECTION_MAX, config, LaneConfig::maxSize).tags(poolTags).register(meters);
        Gauge.builder(SluiceMeters.CONNECTION_IDLE_MIN, config, LaneConfig::minIdle).tags(poolTags).register(meters);
        Gauge.builder(SluiceMeters.CONNECTION_PENDING, l, x -> x.gate().queued() + x.pool().snapshot().pending())
                .tags(poolTags).register(meters);
        FunctionCounter.builder(SluiceMeters.CONNECTION_TIMEOUTS, l, x -> x.gate().queueTimeouts.sum() + x.pool().acquireTimeouts.sum())
                .tags(poolTags).register(meters);

        FunctionCounter.builder(SluiceMeters.ADMITTED, gate, x -> x.admitted.sum()).tags(laneTags).register(meters);
        rejected(meters, "overloaded", gate, x -> x.rejected.sum() - x.predictedRejected.sum());
        rejected(meters, "predicted_wait", gate, x -> x.predictedRejected.sum());
        rejected(meters, "queue_timeout", gate, x -> x.queueTimeouts.sum());
        rejected(meters, "deadline", gate, x -> x.deadlineExpired.sum());
        FunctionCounter.builder(SluiceMeters.REJECTED, p, x -> x.pendingLimitRejections.sum()).tags(laneTags)
                .tag("reason", "pending_limit").register(meters);
        Gauge.builder(SluiceMeters.IN_FLIGHT, gate, AdmissionGate::inFlight).tags(laneTags).register(meters);
        Gauge.builder(SluiceMeters.QUEUED, gate, AdmissionGate::queued).tags(laneTags).register(meters);
        Gauge.builder(SluiceMeters.LIMIT, gate, AdmissionGate::effectiveLimit).tags(laneTags).register(meters);
        Gauge.builder(SluiceMeters.YIELD, gate, AdmissionGate::yieldFactor).tags(laneTags).register(meters);
        Multiplexer mux = l.multiplexer();
        if (mux != null) {
            Gauge.builder(SluiceMeters.SHARED_CONNECTIONS, mux, Multiplexer::size).tags(laneTags).register(meters);
            Gauge.builder(SluiceMeters.SHARED_IN_FLIGHT, mux, Multiplexer::inUse).tags(laneTags).register(meters);
            FunctionCounter.builder(SluiceMeters.SHARED_BROKEN, mux, x -> x.broken.sum()).tags(laneTags).register(meters);
            FunctionCounter.builder(SluiceMeters.SHARED_RESENT, l, PooledLane::sharedResent).tags(laneTags).register(meters);
        }
        CircuitBreaker breaker = l.breaker();
        if (breaker != null) {
            Gauge.builder(SluiceMeters.BREAKER_STATE, breaker, b -> switch (b.getState()) {
                case CLOSED -> 0;
                case HALF_OPEN -> 1;
                case OPEN -> 2;
                default -> 3;
            }).tags(laneTags).register(meters);
            l.guard().onBreakerTransition((from, to) -> meters.counter(SluiceMeters.BREAKER_TRANSITIONS, laneTags.and(
                    "from", from.name().toLowerCase(Locale.ROOT), "to", to.name().toLowerCase(Locale.ROOT))).increment());
        }
        gate.onFinished(this::finished);
    }

    private void rejected(MeterRegistry meters, String reason, AdmissionGate gate, java.util.function.ToDoubleFunction<AdmissionGate> f) {
        FunctionCounter.builder(SluiceMeters.REJECTED, gate, f).tags(laneTags).tag("reason", reason).register(meters);
    }
}
