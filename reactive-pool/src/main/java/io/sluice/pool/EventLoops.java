package io.sluice.pool;

import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import reactor.netty.resources.LoopResources;

/**
 * The event loops the lanes' connections run on ({@link ServerConfig#eventLoops()}): one set of daemon
 * threads per thread count, shared by every lane in the process, created on first use and kept for the
 * life of the process as reactor-netty keeps its global loops (a {@code Lanes} that closes has closed its
 * connections; the idle threads cost nothing).
 */
final class EventLoops {

    /** One loop per processor the JVM may use. */
    static final int DEFAULT = Math.max(1, Runtime.getRuntime().availableProcessors());

    private static final ConcurrentHashMap<Integer, LoopResources> LOOPS = new ConcurrentHashMap<>();

    private EventLoops() {
    }

    /** The loops for {@code threads} threads; null for 0 (the driver's default, reactor-netty's global loops). */
    static @Nullable LoopResources of(int threads) {
        return threads == 0 ? null : LOOPS.computeIfAbsent(threads, n -> LoopResources.create("sluice-io", n, true));
    }
}
