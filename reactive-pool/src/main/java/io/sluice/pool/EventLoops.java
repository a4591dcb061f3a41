package io.sluice.pool;

import io.sluice.Lane;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import reactor.netty.resources.LoopResources;

/**
 * The event loops the lanes' connections run on ({@link ServerConfig#eventLoops()}): each lane its own daemon
 * threads, so that a background lane decoding a large result does not hold up an interactive lane's answers on a
 * shared loop thread; the OS schedules the lanes' threads, and a thread woken by an answer after waiting preempts
 * one that has been busy. A lane of {@code eventLoops} threads has one single-thread loop per thread,
 * {@code sluice-<lane>-io-<k>}, and a share of its connections on each ({@link LanePool}'s shards), so a caller
 * running on one of them is given a connection of its own thread, with no hand-off between threads. Loops are
 * shared by every {@link Lanes} in the process, created on first use (Netty starts a loop's thread when it gets
 * its first connection) and kept for the life of the process as reactor-netty keeps its global loops: a
 * {@code Lanes} that closes has closed its connections, and idle threads cost nothing.
 */
final class EventLoops {

    /**
     * Half the processors the JVM may use, at least one. Every loop of a lane is busy (its shard of connections), and
     * a second loop thread per lane was measured on 2 cores shared with the server: 27-37% more client CPU per query
     * (more wake-ups, fewer answers read per wake-up) for the same or less throughput; the rest of the cores are the
     * application's (its HTTP loops, its own work). Where the database is elsewhere and the client has cores to
     * spare, raise it.
     */
    static final int DEFAULT = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);

    private static final ConcurrentHashMap<String, LoopResources> LOOPS = new ConcurrentHashMap<>();

    private EventLoops() {
    }

    /** The {@code k}-th loop of {@code lane}: one thread, {@code sluice-<lane>-io-<k>}. */
    static LoopResources loop(Lane lane, int k) {
        String prefix = "sluice-" + lane.name() + "-io-" + k;
        return LOOPS.computeIfAbsent(prefix, key -> LoopResources.create(prefix, 1, 1, true, true));
    }

    /**
     * {@code lane}'s loops of {@code threads} threads as one group, for a single pool over all of them (the
     * one shared pool of {@link SharedConnections}); null for 0 (the driver's default, reactor-netty's global loops).
     * Colocated, reactor-netty's default: a connection opened from one of the group's threads stays on that thread,
     * and a pool opens its connections one after another from the previous one's thread, so such a pool's
     * connections mostly share one thread. Spread over the group instead (colocate false), measured on 2 cores:
     * 33-39% more client CPU per query in hand-offs between the loops; a lane's shards avoid both.
     */
    static @Nullable LoopResources of(int threads, Lane lane) {
        if (threads == 0) {
            return null;
        }
        String prefix = "sluice-" + lane.name() + "-io";
        return LOOPS.computeIfAbsent(prefix + "/" + threads, key -> LoopResources.create(prefix, 1, threads, true, true));
    }
}
