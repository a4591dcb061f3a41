package io.sluice.pool;

import io.r2dbc.spi.Connection;
import io.sluice.PoolSnapshot;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.pool.InstrumentedPool;

/**
 * A lane's connections as one reactor-pool per event loop of the lane ({@link LanePool}'s shards), each over
 * connections opened on (and so running on) that loop's one thread; the lane's maximum and minimum are split
 * between them. A caller running on a shard's thread (the thread that delivered its last answer) is given a
 * connection of that shard when it has one idle, so its statement is written and its answer read on the thread it
 * already runs on: no hand-off between threads, and every loop busy. One shard when the lane has one loop.
 */
final class LoopShards {

    /** One event loop's part of the lane: a reactor-pool over connections opened on that loop. */
    static final class Shard {
        final int index;
        /** Size bounds; the maximum changes on a resize. */
        final ResizableAllocation allocation;
        private final InstrumentedPool<Connection> pool;
        /** The loop's thread, known once a connection has been opened on it. */
        private volatile @Nullable Thread thread;

        private Shard(int index, int min, int max, Function<Shard, InstrumentedPool<Connection>> build) {
            this.index = index;
            this.allocation = new ResizableAllocation(min, max);
            this.pool = build.apply(this);
        }

        InstrumentedPool<Connection> pool() {
            return pool;
        }

        /** A connection of this shard was opened: the driver emits it on its loop's thread, which is noted. */
        void opened() {
            Thread t = Thread.currentThread();
            if (thread == null && t.getName().startsWith("sluice-")) {
                thread = t;
            }
        }

        /** Connections it can hand out without a wait: idle ones and those it may still open, less the callers waiting. */
        private int spare() {
            InstrumentedPool.PoolMetrics m = pool.metrics();
            return m.idleSize() + allocation.permitMaximum() - allocation.permitGranted() - m.pendingAcquireSize();
        }

        /**
         * How good a choice this shard is for a caller: one with an idle connection first (opening one takes round
         * trips, a hand-off between threads microseconds; a dead idle one is found and replaced), then one that may
         * open another, then the least oversubscribed; among equals the caller's own thread's.
         */
        private int rank(Thread caller) {
            InstrumentedPool.PoolMetrics m = pool.metrics();
            int spare = spare();
            int tier = m.idleSize() > m.pendingAcquireSize() ? 2 : spare > 0 ? 1 : 0;
            return (tier << 28) + (thread == caller ? 1 << 27 : 0) + Math.max(-(1 << 26), Math.min(1 << 26, spare));
        }
    }

    private final Shard[] shards;

    /** {@code n} shards sharing {@code min} and {@code max}; {@code build} makes a shard's pool (with its allocation). */
    LoopShards(int n, int min, int max, Function<Shard, InstrumentedPool<Connection>> build) {
        this.shards = new Shard[n];
        for (int k = 0; k < n; k++) {
            shards[k] = new Shard(k, share(min, n, k), share(max, n, k), build);
        }
    }

    /** Shard {@code k}'s part of {@code total} split between {@code n} shards (the first ones get the remainder). */
    static int share(int total, int n, int k) {
        return total / n + (k < total % n ? 1 : 0);
    }

    /**
     * Whether a caller given {@code chosen} must be refused at once: it would wait there, and {@code limit} callers
     * (the lane's maxPendingAcquires, above 0) already wait at the shards together. Each shard's own pool bounds its
     * waiters by the same limit, which is the whole check with one shard.
     */
    boolean pendingLimitReached(Shard chosen, int limit) {
        return shards.length > 1 && limit > 0 && chosen.spare() <= 0 && pending() >= limit;
    }

    /**
     * The shard a caller acquires from ({@link Shard#rank}): in the steady state, the one of the thread the caller
     * runs on, whose connection it then uses with no hand-off.
     */
    Shard pick() {
        Shard[] all = shards;
        if (all.length == 1) {
            return all[0];
        }
        Thread current = Thread.currentThread();
        Shard best = all[0];
        int bestRank = Integer.MIN_VALUE;
        for (Shard s : all) {
            if (s.allocation.permitMaximum() == 0) {
                continue;   // shrunk below one connection per loop
            }
            int rank = s.rank(current);
            if (rank > bestRank) {
                best = s;
                bestRank = rank;
            }
        }
        return best;
    }

    /** Callers waiting at the shards for a connection. */
    private int pending() {
        int n = 0;
        for (Shard s : shards) {
            n += s.pool.metrics().pendingAcquireSize();
        }
        return n;
    }

    /** The maximum size now, all shards together. */
    int maxSize() {
        int max = 0;
        for (Shard s : shards) {
            max += s.allocation.permitMaximum();
        }
        return max;
    }

    /** A new maximum, split between the shards. */
    void maxSize(int max) {
        for (Shard s : shards) {
            s.allocation.maxSize(share(max, shards.length, s.index));
        }
    }

    PoolSnapshot snapshot() {
        int max = 0;
        int allocated = 0;
        int acquired = 0;
        int idle = 0;
        int pending = 0;
        for (Shard s : shards) {
            InstrumentedPool.PoolMetrics m = s.pool.metrics();
            max += m.getMaxAllocatedSize();
            allocated += m.allocatedSize();
            acquired += m.acquiredSize();
            idle += m.idleSize();
            pending += m.pendingAcquireSize();
        }
        return new PoolSnapshot(max, allocated, acquired, idle, pending);
    }

    /** Opens every shard's minimum, the shards at once; how many connections were opened. */
    Mono<Integer> warmup() {
        return Flux.fromArray(shards).flatMap(s -> s.pool.warmup()).reduce(0, Integer::sum);
    }

    Mono<Void> disposeLater() {
        return Flux.fromArray(shards).flatMap(s -> s.pool.disposeLater()).then();
    }
}
