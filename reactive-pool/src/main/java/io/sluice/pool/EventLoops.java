package io.sluice.pool;

import io.sluice.Lane;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import reactor.netty.resources.LoopResources;

/**
 * The event loops the lanes' connections run on ({@link ServerConfig#eventLoops()}): each lane its own set of
 * daemon threads, {@code sluice-<lane>-io-…}, so that a background lane decoding a large result does not hold
 * up an interactive lane's answers on a shared loop thread; the OS schedules the lanes' threads, and a thread
 * woken by an answer after waiting preempts one that has been busy. One set per lane name and thread count,
 * shared by every {@link Lanes} in the process, created on first use (Netty starts a loop's thread when it
 * gets its first connection, so a lane of one connection runs one thread whatever the count) and kept for
 * the life of the process as reactor-netty keeps its global loops: a {@code Lanes} that closes has closed its
 * connections, and idle threads cost nothing. A lane's connections stay on the loop thread that opened them
 * (reactor-netty's colocation; see {@link #of}), so in practice a lane's I/O mostly runs on one of its threads.
 */
final class EventLoops {

    /** One loop per processor the JVM may use. */
    static final int DEFAULT = Math.max(1, Runtime.getRuntime().availableProcessors());

    private static final ConcurrentHashMap<String, LoopResources> LOOPS = new ConcurrentHashMap<>();

    private EventLoops() {
    }

    /** {@code lane}'s loops of {@code threads} threads; null for 0 (the driver's default, reactor-netty's global loops). */
    static @Nullable LoopResources of(int threads, Lane lane) {
        if (threads == 0) {
            return null;
        }
        String prefix = "sluice-" + lane.name() + "-io";
        // colocated, reactor-netty's default: a connection opened from one of the group's threads stays on that thread,
        // and a pool opens its connections one after another from the previous one's thread, so a lane's connections
        // mostly share one thread. Spread over the group instead (colocate false), measured on 2 cores: 33-39% more client
        // CPU per query (hand-offs between the loops), and in the example service a background lane with two busy
        // threads took CPU from the interactive one (loaded p99 5.2x idle against 1.6x). Kept until a caller can be
        // given a connection on the loop it runs on (README, Known limitations)
        return LOOPS.computeIfAbsent(prefix + "/" + threads, key -> LoopResources.create(prefix, 1, threads, true, true));
    }
}
