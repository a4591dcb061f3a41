package io.sluice.pool;

import io.r2dbc.spi.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The health probe: one query on a pooled connection (never a new connection per health check) that reads
 * the server's {@code max_connections} and every client backend in {@code pg_stat_activity}. Its answer, or
 * its failure, is reused for {@code healthProbeInterval}; concurrent checks share one probe in flight.
 *
 * <p>The probe borrows from the lane with the most idle connections, bypassing admission and breaker (it
 * must see the database even while a breaker is open, and must not count against one). When no lane has an
 * idle connection or room to open one, it is skipped and the last answer kept: taking a connection from
 * saturated work to ask how the server is would make things worse.
 */
final class ServerProbe {

    private static final reactor.util.Logger LOG = reactor.util.Loggers.getLogger(ServerProbe.class);

    /**
     * Client backends, whoever opened them. A role without pg_read_all_stats sees other roles' sessions with
     * their application_name but no backend_type: those with a database count (an autovacuum worker among
     * them may be counted too), the server's own processes (no database) do not. Pinned on PostgreSQL 15.
     */
    static final String SQL = "SELECT current_setting('max_connections')::int, "
            + "current_setting('superuser_reserved_connections')::int, coalesce(usename::text, '?'), coalesce(application_name, ''), "
            + "count(*)::int FROM pg_stat_activity WHERE backend_type = 'client backend' OR (backend_type IS NULL AND datid IS NOT NULL) "
            + "GROUP BY 1, 2, 3, 4 ORDER BY 5 DESC";

    private final List<PooledLane> lanes;
    private final java.util.Set<String> applicationNames;
    private final Duration interval;
    private final HealthPolicy policy;
    private final Scheduler scheduler;
    private final AtomicLong probes = new AtomicLong();
    private volatile @Nullable ServerHealth last;
    private @Nullable Mono<ServerHealth> running;

    ServerProbe(List<PooledLane> lanes, Duration interval, HealthPolicy policy, Scheduler scheduler) {
        this.lanes = List.copyOf(lanes);
        this.applicationNames = lanes.stream().map(l -> l.config().applicationName()).collect(java.util.stream.Collectors.toUnmodifiableSet());
        this.interval = interval;
        this.policy = policy;
        this.scheduler = scheduler;
    }

    /** The last answer, without probing; null while none came. */
    @Nullable ServerHealth last() {
        return last;
    }

    /** Probes run so far (tests count them). */
    long probes() {
        return probes.get();
    }

    /** The last answer while younger than the interval, else a new probe's (shared by concurrent callers). Never fails. */
    Mono<ServerHealth> current() {
        return Mono.defer(() -> {
            ServerHealth s = last;
            if (s != null && now() - s.probedAt().toEpochMilli() < interval.toMillis()) {
                return Mono.just(s);
            }
            synchronized (this) {
                if (running == null) {
                    running = probe().doFinally(x -> {
                        synchronized (this) {
                            running = null;
                        }
                    }).cache();
                }
                return running;
            }
        });
    }

    private long now() {
        return scheduler.now(TimeUnit.MILLISECONDS);
    }

    private Mono<ServerHealth> probe() {
        return Mono.defer(() -> {
            PooledLane through = pick();
            ServerHealth previous = last;
            if (through == null) {
                if (previous != null) {
                    return Mono.just(previous);   // keep the last answer; its probedAt says how old it is
                }
                return Mono.empty();
            }
            probes.incrementAndGet();
            long start = now();
            long startNanos = System.nanoTime();
            Duration timeout = through.config().acquireTimeout().plus(through.config().validationTimeout());
            return Mono.usingWhen(through.primaryAcquire(), this::query, through::release,
                            (c, e) -> through.discard(c), through::discard)
                    .timeout(timeout, scheduler)
                    .map(r -> answer(r, through, start, startNanos))
                    .onErrorResume(e -> Mono.just(failed(e, through, start, startNanos, timeout)));
        }).doOnNext(s -> {
            ServerHealth before = last;
            last = s;
            if (!s.reachable() && (before == null || before.reachable())) {
                LOG.warn("health probe failed: {}", s.error());
            } else if (s.reachable() && before != null && !before.reachable()) {
                LOG.info("health probe answered again ({} of {} server connections in use)", s.connections(), s.connectionLimit());
            }
        });
    }

    /** The lane with the most idle connections, else one with room to open one, else none. */
    private @Nullable PooledLane pick() {
        List<PooledLane> open = new ArrayList<>();
        for (PooledLane l : lanes) {
            if (!l.pool().isClosing()) {
                open.add(l);
            }
        }
        return open.stream().filter(l -> l.pool().snapshot().idle() > 0)
                .max(Comparator.comparingInt(l -> l.pool().snapshot().idle()))
                .or(() -> open.stream().filter(l -> l.pool().snapshot().allocated() < l.pool().snapshot().maxSize()).findFirst())
                .orElse(null);
    }

    /** The server's limits and its client connections by role and application_name. */
    private record Answer(int max, int reserved, List<ConnectionHolder> holders) {
    }

    private Mono<Answer> query(Connection c) {
        return Flux.from(c.createStatement(SQL).execute())
                .concatMap(r -> r.map(row -> new Object[]{row.get(0, Integer.class), row.get(1, Integer.class),
                        new ConnectionHolder(row.get(2, String.class), row.get(3, String.class), row.get(4, Integer.class))}))
                .collectList()
                .map(rows -> rows.isEmpty() ? new Answer(-1, -1, List.of())
                        : new Answer((Integer) rows.get(0)[0], (Integer) rows.get(0)[1],
                        rows.stream().map(r -> (ConnectionHolder) r[2]).toList()));
    }

    private int thisInstance() {
        return lanes.stream().mapToInt(l -> l.pool().snapshot().allocated()).sum();
    }

    private ServerHealth answer(Answer a, PooledLane through, long start, long startNanos) {
        int max = a.max();
        int reserved = a.reserved();
        int limit = Math.max(1, max - reserved);
        int connections = a.holders().stream().mapToInt(ConnectionHolder::connections).sum();
        int mine = a.holders().stream().filter(h -> applicationNames.contains(h.applicationName()))
                .mapToInt(ConnectionHolder::connections).sum();
        List<ConnectionHolder> holders = a.holders().subList(0, Math.min(ServerHealth.HOLDERS, a.holders().size()));
        double utilisation = (double) connections / limit;
        List<String> reasons = new ArrayList<>();
        HealthStatus status = HealthStatus.UP;
        if (utilisation >= policy.serverUtilisation()) {
            status = HealthStatus.DEGRADED;
            reasons.add(String.format("%d client connections on the server, %.0f%% of its limit of %d "
                            + "(max_connections=%d - superuser_reserved_connections=%d); %d of them from other clients; "
                            + "most held by (role/application_name): %s",
                    connections, utilisation * 100, limit, max, reserved, connections - mine,
                    holders.stream().limit(5).map(ConnectionHolder::toString).collect(java.util.stream.Collectors.joining(", "))));
        }
        return new ServerHealth(status, reasons, Instant.ofEpochMilli(start), elapsedMillis(startNanos), true, null,
                max, reserved, limit, connections, mine, connections - mine, thisInstance(), utilisation,
                through.lane().name(), holders);
    }

    private ServerHealth failed(Throwable e, PooledLane through, long start, long startNanos, Duration timeout) {
        String error = e instanceof java.util.concurrent.TimeoutException
                ? "no answer within " + timeout.toMillis() + " ms (acquireTimeout + validationTimeout of lane " + through.lane().name() + ")"
                : e.getClass().getSimpleName() + ": " + e.getMessage();
        return new ServerHealth(HealthStatus.DOWN, List.of("the health probe through lane " + through.lane().name()
                + " failed: " + error), Instant.ofEpochMilli(start), elapsedMillis(startNanos), false, error,
                -1, -1, -1, -1, -1, -1, thisInstance(), -1, through.lane().name());
    }

    private static long elapsedMillis(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }
}
