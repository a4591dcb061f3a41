package io.sluice.pool;

import io.r2dbc.spi.Connection;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Every {@link ReadReplicas#checkInterval()}: asks the primary where its WAL is and each standby what it
 * has replayed, and puts each standby in or out of rotation.
 *
 * <p>Lag in time is measured against the primary's positions at earlier checks, not with
 * {@code pg_last_xact_replay_timestamp()} (which after an idle spell reports the time since the last
 * commit, not how far behind the standby is): a standby is behind since the first check at which the
 * primary was past what the standby has replayed now. It is exact to within one interval and needs no
 * clock shared between the servers.
 */
final class ReplicaChecker {

    private final ReplicaRouter router;
    private final LanePool primary;
    private final ReadReplicas replicas;
    private final History history;
    /** The checks' own connection to the primary, opened on the first check and again after it broke. */
    private final java.util.concurrent.atomic.AtomicReference<Connection> primaryConnection = new java.util.concurrent.atomic.AtomicReference<>();
    private volatile boolean stopped;

    ReplicaChecker(ReplicaRouter router, LanePool primary) {
        this.router = router;
        this.primary = primary;
        this.replicas = router.replicas();
        this.history = new History(replicas.maxLag().multipliedBy(2).plus(replicas.checkInterval().multipliedBy(4)));
    }

    /** Checks now and every interval until disposed. */
    Disposable start(Scheduler scheduler) {
        return Flux.interval(Duration.ZERO, replicas.checkInterval(), scheduler)
                .onBackpressureDrop()
                .concatMap(t -> check().onErrorResume(e -> Mono.empty()), 1)
                .subscribe();
    }

    /** Stops for good: closes the connection to the primary (a check still running finds it closed). */
    void close() {
        stopped = true;
        drop(primaryConnection.getAndSet(null));
    }

    /**
     * One round: the primary's position, then every standby at once. The primary is asked on a connection of
     * the checks' own, never the lane's pool: a check must not wait for the lane's work, nor count against
     * it. While the primary does not answer, the standbys are judged against its last known position.
     */
    Mono<Void> check() {
        Duration bound = replicas.checkInterval().plus(primary.config().acquireTimeout());
        return primaryPosition(bound)
                .map(Optional::of)
                .onErrorResume(e -> Mono.just(Optional.empty()))
                .defaultIfEmpty(Optional.empty())
                .flatMap(p -> {
                    long now = System.nanoTime();
                    p.ifPresent(pos -> history.add(now, pos));
                    WalPosition primaryAt = p.orElseGet(history::latest);
                    return Flux.fromIterable(router.standbys()).flatMap(s -> probe(s, primaryAt, bound)).then();
                });
    }

    private Mono<WalPosition> primaryPosition(Duration bound) {
        return Mono.defer(() -> {
            Connection open = primaryConnection.get();
            Mono<Connection> c = open != null && !LanePool.isClosedLocally(open) ? Mono.just(open)
                    : Mono.from(primary.rawFactory().create()).map(Connection.class::cast).doOnNext(n -> {
                        drop(primaryConnection.getAndSet(n));
                        if (stopped) {
                            drop(primaryConnection.getAndSet(null));
                        }
                    });
            return c.timeout(bound).flatMap(x -> query(x, "SELECT pg_current_wal_lsn()::text").timeout(bound)
                    .doOnError(e -> drop(primaryConnection.compareAndSet(x, null) ? x : null)));
        });
    }

    private static void drop(@Nullable Connection c) {
        if (c != null) {
            Mono.from(c.close()).subscribe(null, e -> { });
        }
    }

    private Mono<Void> probe(Standby s, @Nullable WalPosition primaryAt, Duration bound) {
        LanePool pool = s.pool;
        return Mono.usingWhen(pool.acquire(), c -> Flux.from(c.createStatement(
                                "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text").execute())
                        .concatMap(r -> r.map((row, md) -> new Answer(Boolean.TRUE.equals(row.get(0, Boolean.class)),
                                Optional.ofNullable(row.get(1, String.class)).map(WalPosition::parse))))
                        .next(), pool::release, (c, e) -> pool.discard(c), pool::release)
                .timeout(bound)
                .doOnNext(a -> judge(s, a, primaryAt))
                .doOnError(s::failed)
                .onErrorResume(e -> Mono.empty())
                .then();
    }

    private record Answer(boolean inRecovery, Optional<WalPosition> replayed) {
    }

    private void judge(Standby s, Answer a, @Nullable WalPosition primaryAt) {
        if (!a.inRecovery() || a.replayed().isEmpty()) {
            s.checked(a.inRecovery() ? null : Duration.ZERO, a.inRecovery() ? -1 : 0, null, null);   // promoted: current
            return;
        }
        WalPosition replayed = a.replayed().get();
        if (primaryAt == null) {
            s.checked(null, -1, replayed, null);   // lag unknown while the primary never answered: reads go on
            return;
        }
        long bytes = primaryAt.bytesAfter(replayed);
        Duration lag = bytes == 0 ? Duration.ZERO : history.behindFor(replayed, System.nanoTime());
        String reason = null;
        if (replicas.maxLagBytes() > 0 && bytes > replicas.maxLagBytes()) {
            reason = "behind the primary by " + bytes + " bytes of WAL, more than maxLagBytes=" + replicas.maxLagBytes();
        } else if (lag.compareTo(replicas.maxLag()) > 0) {
            reason = "behind the primary by " + lag.toMillis() + " ms, more than maxLag=" + replicas.maxLag().toMillis() + " ms";
        }
        s.checked(lag, bytes, replayed, reason);
    }

    private static Mono<WalPosition> query(Connection c, String sql) {
        return Flux.from(c.createStatement(sql).execute())
                .concatMap(r -> r.map((row, md) -> WalPosition.parse(String.valueOf(row.get(0, String.class)))))
                .next();
    }

    /** The primary's positions at recent checks, oldest first. */
    static final class History {
        private record Entry(long nanos, WalPosition position) {
        }

        private final long keepNanos;
        private final ArrayDeque<Entry> entries = new ArrayDeque<>();

        History(Duration keep) {
            this.keepNanos = keep.toNanos();
        }

        /** The primary's position at the last check that reached it, or null before any did. */
        synchronized @Nullable WalPosition latest() {
            Entry last = entries.peekLast();
            return last == null ? null : last.position();
        }

        synchronized void add(long nanos, WalPosition p) {
            entries.addLast(new Entry(nanos, p));
            while (entries.size() > 1 && nanos - entries.peekFirst().nanos() > keepNanos) {
                entries.removeFirst();
            }
        }

        /** How long a standby at {@code replayed} has been behind: since the first check at which the primary was past it. */
        synchronized Duration behindFor(WalPosition replayed, long now) {
            for (Entry e : entries) {
                if (e.position().compareTo(replayed) > 0) {
                    return Duration.ofNanos(Math.max(0, now - e.nanos()));
                }
            }
            return Duration.ZERO;
        }
    }
}
