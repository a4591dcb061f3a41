package io.sluice.pool;

import io.r2dbc.spi.Connection;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * When a lane's healthy connections retire (idle too long, lifetime over, used {@code maxUses} times),
 * with two promises r2dbc-pool's own eviction does not keep (r2dbc-pool #200, #224):
 *
 * <ul>
 *   <li><b>minIdle is a floor.</b> A connection is retired for age or idleness only while the lane holds
 *       more than {@code minIdle} live connections. An idle connection within the minimum simply stays;
 *       an expired one within the minimum stays until a replacement exists ({@link #spareWanted()}: the
 *       lane's maintenance opens one, then the expired one goes).</li>
 *   <li><b>Replacement is spread.</b> Each connection's retirement time is chosen when it is created:
 *       its lifetime less a random share of the jitter, moved earlier where needed so that retirement
 *       times are at least {@code 1 s / quota} apart, where quota is a quarter of maxSize (at least 1).
 *       Retiring is also rate-limited to quota per second. Connections created together (a refill, a
 *       burst) therefore do not retire together, generation after generation.</li>
 * </ul>
 *
 * Dead connections (closed socket, discarded after a failure) are not this class's business: they go
 * at once, whatever the floor, and the refill replaces them.
 */
final class Retirement {

    static final long WINDOW_NANOS = 1_000_000_000L;

    private final int minIdle;
    private volatile int maxSize;
    private final long idleNanos;
    private final long lifetimeNanos;
    private final long jitterNanos;
    private final long sweepNanos;
    private final long maxUses;
    private final int quota;
    private final long spacingNanos;
    private final LongSupplier clock;

    /** When each live connection retires (clock nanos). */
    private final Map<Connection, Long> retireAt = new ConcurrentHashMap<>();
    /** Connections this class condemned and the pool has not destroyed yet, with why (the {@code reason} tag of closed connections). */
    private final Map<Connection, String> condemned = new ConcurrentHashMap<>();
    private final AtomicInteger live = new AtomicInteger();
    /** The earliest retirement time of any live connection: before it, no connection has expired (fast path). */
    private volatile long earliest = Long.MAX_VALUE;
    /** Times of the latest retirements, at most quota of them. */
    private final ArrayDeque<Long> recent = new ArrayDeque<>();
    private volatile boolean spareWanted;

    Retirement(LaneConfig config, LongSupplier clock) {
        this.minIdle = config.minIdle();
        this.maxSize = config.maxSize();
        this.idleNanos = config.maxIdleTime().toNanos();
        this.lifetimeNanos = config.maxLifetime().toNanos();
        this.jitterNanos = config.lifetimeJitter().toNanos();
        this.sweepNanos = config.evictionInterval().toNanos();
        this.maxUses = config.maxUses();
        this.quota = Math.max(1, config.maxSize() / 4);
        this.spacingNanos = WINDOW_NANOS / quota + 1;
        this.clock = clock;
    }

    /** Most connections retired in any one second. */
    int quota() {
        return quota;
    }

    /** A new connection joined the lane: choose when it retires. */
    void created(Connection c) {
        long now = clock.getAsLong();
        live.incrementAndGet();
        // a sweep may come up to one interval after the chosen time, and must still be within maxLifetime
        long latest = now + Math.max(lifetimeNanos / 2, lifetimeNanos - sweepNanos);
        long wanted = latest - (jitterNanos <= 0 ? 0 : ThreadLocalRandom.current().nextLong(jitterNanos + 1));
        synchronized (retireAt) {
            long at = spaced(wanted, now + lifetimeNanos / 2);
            retireAt.put(c, at);
            if (at - earliest < 0) {
                earliest = at;
            }
        }
    }

    /** The latest time at or before {@code wanted}, not before {@code earliest}, clear of every other retirement; else {@code wanted}. */
    private long spaced(long wanted, long earliest) {
        List<Long> taken = new ArrayList<>(retireAt.values());
        long t = wanted;
        boolean moved = true;
        while (moved && t >= earliest) {
            moved = false;
            for (long other : taken) {
                if (Math.abs(t - other) < spacingNanos) {
                    t = other - spacingNanos;
                    moved = true;
                }
            }
        }
        return t >= earliest ? t : wanted;
    }

    /** The pool destroyed a connection, for whatever reason: the reason it was condemned for, or null when it was not. */
    @org.jspecify.annotations.Nullable String destroyed(Connection c) {
        synchronized (retireAt) {
            Long at = retireAt.remove(c);
            if (at != null && at == earliest) {
                earliest = retireAt.values().stream().mapToLong(Long::longValue).min().orElse(Long.MAX_VALUE);
            }
        }
        String reason = condemned.remove(c);
        if (reason == null) {
            live.decrementAndGet(); // not condemned here (failed validation, discarded, pool closed): count it now
        }
        return reason;
    }

    /** A dead or doomed connection that the pool is about to destroy: it no longer counts as live. */
    void condemn(Connection c) {
        condemn(c, "discarded");
    }

    /** As {@link #condemn(Connection)}, saying why ({@code broken}, {@code validation_failed}, ...). */
    void condemn(Connection c, String reason) {
        if (condemned.putIfAbsent(c, reason) == null) {
            live.decrementAndGet();
        }
    }

    /** The lane's maximum changed (a resize). */
    void maxSize(int max) {
        this.maxSize = max;
    }

    /** Condemns every open connection (a refresh); returns them. */
    java.util.Set<Connection> condemnAll() {
        java.util.Set<Connection> all = new java.util.HashSet<>(retireAt.keySet());
        all.forEach(this::condemn);
        return all;
    }

    /** Whether the pool has not destroyed {@code c} yet. */
    boolean isOpen(Connection c) {
        return retireAt.containsKey(c);
    }

    /** Live connections: created and not yet condemned or destroyed. */
    int live() {
        return live.get();
    }

    /** Whether an expired connection waits for a replacement because the lane is at its minimum. */
    boolean spareWanted() {
        return spareWanted;
    }

    /**
     * Whether a healthy connection retires now, given how long it has been idle and how often it was
     * acquired. Retiring condemns it (the caller's predicate returns true and the pool destroys it).
     */
    boolean retires(Connection c, long idleMillis, long acquireCount) {
        // called by the pool on every acquire and release: the common answer, "no", without a map lookup
        long now = clock.getAsLong();
        if (now - earliest < 0 && idleMillis * 1_000_000L < idleNanos && maxUses == 0 && condemned.isEmpty()) {
            return false;
        }
        if (condemned.containsKey(c)) {
            return true;
        }
        Long at = retireAt.get(c);
        boolean usedUp = maxUses > 0 && acquireCount >= maxUses;
        boolean expired = (at != null && now - at >= 0) || usedUp;
        boolean idle = idleMillis * 1_000_000L >= idleNanos;
        if (!expired && !idle) {
            return false;
        }
        synchronized (recent) {
            // at the minimum an expired connection waits for its replacement, unless the lane is full
            // (minIdle == maxSize): then it goes, and the refill opens the replacement right after
            if (live.get() <= minIdle && !(expired && live.get() >= maxSize)) {
                if (expired) {
                    spareWanted = true;
                }
                return false;
            }
            if (expired && !usedUp) {     // maxUses is a hard bound the user set: not deferred
                if (recent.size() >= quota && now - recent.peekFirst() < WINDOW_NANOS) {
                    return false;  // the lane retired its quota this second: next sweep
                }
                if (recent.size() >= quota) {
                    recent.pollFirst();
                }
                recent.addLast(now);
            }
            spareWanted = false;
            condemn(c, usedUp ? "max_uses" : expired ? "expired" : "idle");
            return true;
        }
    }
}
