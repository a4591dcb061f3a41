package io.sluice.pool;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.r2dbc.spi.Connection;
import io.sluice.LaneClosedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Where a connection of a lane that reads from standbys comes from: the next standby in rotation, in
 * turn; the lane's own pool on the primary when none is in rotation, when the standbys tried could not
 * give one (each such standby is taken out of rotation at once), when the query asked for the primary, or
 * when a read-your-writes position was not replayed within the wait. The lane's admission, breaker and
 * retry stay the lane's: a retried unit asks the router again and so avoids a standby that just failed.
 */
final class ReplicaRouter {

    /** How often a standby is asked whether it replayed a read-your-writes position while a read waits. */
    private static final Duration REPLAY_POLL = Duration.ofMillis(10);

    private final String lane;
    private final ReadReplicas replicas;
    private final List<Standby> standbys;
    private final Supplier<Mono<Connection>> primary;
    private final AtomicInteger turn = new AtomicInteger();
    private final MeterRegistry meters;
    /** Reads that went to the primary, by reason (a handful of names); a standby's own are in {@link #rotationReads}. */
    private final Map<String, Counter> primaryReads = new ConcurrentHashMap<>();
    private final Map<Standby, Counter> rotationReads = new java.util.IdentityHashMap<>();

    ReplicaRouter(LaneConfig config, ReadReplicas replicas, Supplier<Mono<Connection>> primary, MeterRegistry meters) {
        this.lane = config.lane().name();
        this.replicas = replicas;
        this.primary = primary;
        this.meters = meters;
        List<Standby> list = new ArrayList<>();
        for (ServerConfig s : replicas.standbys()) {
            Standby standby = new Standby(s, config);
            list.add(standby);
            String server = s.addresses();
            rotationReads.put(standby, readCounter(server, "rotation"));
            Gauge.builder(SluiceMeters.REPLICA_AVAILABLE, standby, x -> x.inRotation() ? 1 : 0)
                    .description("1 while the standby takes the lane's reads, 0 while it is out of rotation (down or lagging)")
                    .tags("lane", lane, "server", server).register(meters);
            Gauge.builder(SluiceMeters.REPLICA_LAG, standby, x -> x.status().lag() == null ? Double.NaN : x.status().lag().toNanos() / 1e9)
                    .description("How far the standby was behind the primary at the last check").baseUnit("seconds")
                    .tags("lane", lane, "server", server).register(meters);
            Gauge.builder(SluiceMeters.REPLICA_LAG_BYTES, standby, x -> x.status().lagBytes() < 0 ? Double.NaN : x.status().lagBytes())
                    .description("Bytes of WAL the standby was behind the primary at the last check").baseUnit("bytes")
                    .tags("lane", lane, "server", server).register(meters);
        }
        this.standbys = List.copyOf(list);
    }

    /** Opens each standby's initial connections; a standby that cannot be reached is out of rotation, not a failed start. */
    Mono<Void> warmup() {
        return Flux.fromIterable(standbys)
                .flatMap(s -> s.pool.warmup().then().onErrorResume(e -> {
                    s.failed(e);
                    return Mono.empty();
                }))
                .then();
    }

    List<Standby> standbys() {
        return standbys;
    }

    ReadReplicas replicas() {
        return replicas;
    }

    /** A connection for one unit of the lane. Cold; reads the unit's context for {@link ReadYourWrites}. */
    Mono<Connection> acquire() {
        return Mono.deferContextual(ctx -> {
            if (ReadYourWrites.primaryOnly(ctx)) {
                return fromPrimary("asked");
            }
            WalPosition need = ReadYourWrites.position(ctx);
            List<Standby> order = order(need);
            return order.isEmpty() ? fromPrimary("no_standby") : attempt(order, 0, need);
        });
    }

    /** The standbys in rotation from the next one's turn; with a position, those known to have replayed it first. */
    private List<Standby> order(@Nullable WalPosition need) {
        List<Standby> order = new ArrayList<>(standbys.size());
        int n = standbys.size();
        int first = Math.floorMod(turn.getAndIncrement(), n);
        for (int i = 0; i < n; i++) {
            Standby s = standbys.get((first + i) % n);
            if (s.inRotation()) {
                order.add(s);
            }
        }
        if (need != null) {
            order.sort((a, b) -> Boolean.compare(b.replayed(need), a.replayed(need)));
        }
        return order;
    }

    private Mono<Connection> attempt(List<Standby> order, int i, @Nullable WalPosition need) {
        if (i == order.size()) {
            return fromPrimary("standby_failed");
        }
        Standby s = order.get(i);
        return s.pool.acquire()
                .map(Optional::of)
                .onErrorResume(e -> {
                    if (e instanceof LaneClosedException) {
                        return Mono.error(e);
                    }
                    if (!saturated(e)) {
                        s.failed(e);
                    }
                    return Mono.just(Optional.empty());
                })
                .flatMap(c -> c.isEmpty() ? attempt(order, i + 1, need)
                        : need == null || s.replayed(need) ? Mono.just(routed(c.get(), s))
                        : caughtUp(s, c.get(), need).switchIfEmpty(Mono.defer(() -> fromPrimary("read_your_writes"))));
    }

    /**
     * The standby's connection once it has replayed {@code need}, asked every {@link #REPLAY_POLL} until the
     * lane's wait is over; empty (the connection handed back) when it is still behind then. The wait ends
     * between two questions, never during one, so the connection goes back with no statement in flight. A
     * connection held here when the subscriber cancels is discarded (a question may be running on it).
     */
    private Mono<Connection> caughtUp(Standby s, Connection c, WalPosition need) {
        AtomicBoolean settled = new AtomicBoolean();
        long deadline = System.nanoTime() + replicas.readYourWritesWait().toNanos();
        return Flux.interval(Duration.ZERO, REPLAY_POLL)
                .onBackpressureDrop()
                .concatMap(t -> replayedAt(c), 1)
                .filter(p -> caughtUp(s, p, need) || System.nanoTime() - deadline >= 0)
                .next()
                .flatMap(p -> !settled.compareAndSet(false, true) ? Mono.<Connection>empty()
                        : caughtUp(s, p, need) ? Mono.just(routed(c, s))
                        : s.pool.release(c).then(Mono.<Connection>empty()))
                .onErrorResume(e -> settled.compareAndSet(false, true) ? s.pool.discard(c).onErrorResume(x -> Mono.empty()).then(Mono.empty()) : Mono.empty())
                .doOnCancel(() -> {
                    if (settled.compareAndSet(false, true)) {
                        s.pool.discard(c).subscribe(null, e -> { });
                    }
                });
    }

    /** Whether a standby that answered {@code p} has replayed {@code need}; no position: no longer in recovery, so current. */
    private static boolean caughtUp(Standby s, Optional<WalPosition> p, WalPosition need) {
        p.ifPresent(s::sawReplayed);
        return p.isEmpty() || p.get().compareTo(need) >= 0;
    }

    /** What the standby has replayed, read on {@code c}; empty when it is not in recovery (promoted). */
    static Mono<Optional<WalPosition>> replayedAt(Connection c) {
        return Flux.from(c.createStatement("SELECT pg_last_wal_replay_lsn()::text").execute())
                .concatMap(r -> r.map((row, md) -> Optional.ofNullable(row.get(0, String.class)).map(WalPosition::parse)))
                .next();
    }

    /** A standby whose pool is merely busy (timed out or at its pending limit) is not down. */
    private static boolean saturated(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof reactor.pool.PoolAcquireTimeoutException || t instanceof reactor.pool.PoolAcquirePendingLimitException) {
                return true;
            }
        }
        return false;
    }

    private Connection routed(Connection c, Standby s) {
        ((LeasedConnection) c).standby = s.pool;
        rotationReads.get(s).increment();
        return c;
    }

    private Mono<Connection> fromPrimary(String reason) {
        primaryReads.computeIfAbsent(reason, r -> readCounter("primary", r)).increment();
        return primary.get();
    }

    private Counter readCounter(String server, String reason) {
        return Counter.builder(SluiceMeters.REPLICA_READS)
                .description("Units of a lane that reads from standbys, by the server they went to and why")
                .tags("lane", lane, "server", server, "reason", reason).register(meters);
    }
}
