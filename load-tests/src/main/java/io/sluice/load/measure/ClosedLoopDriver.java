package io.sluice.load.measure;

import io.sluice.load.client.WorkSource;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Closed-loop load at a fixed concurrency: each of {@code concurrency} workers issues its next unit of work
 * as soon as the previous one ended, on the thread that ended it. Measures throughput; latency here is
 * service time (a closed loop slows down with the system, which is why latency targets use open loop).
 *
 * <p>A worker whose work ends synchronously inside {@code execute} (an immediate rejection) would recurse;
 * each worker therefore runs a small trampoline, so the stack never grows.
 */
public final class ClosedLoopDriver implements Driver {

    private final WorkSource source;
    private final Dispatch dispatch;
    private final NanoClock clock;
    private final List<Worker> workers = new ArrayList<>();
    private volatile boolean running;

    public ClosedLoopDriver(int concurrency, WorkSource source, Dispatch dispatch, NanoClock clock, long seed) {
        this.source = source;
        this.dispatch = dispatch;
        this.clock = clock;
        SplittableRandom seeds = new SplittableRandom(seed);
        for (int i = 0; i < concurrency; i++) {
            workers.add(new Worker(seeds.split()));
        }
    }

    @Override
    public void start() {
        running = true;
        workers.forEach(Worker::request);
    }

    @Override
    public void stop() {
        running = false;
    }

    private final class Worker {
        private final AtomicInteger wip = new AtomicInteger();
        private final SplittableRandom random;

        Worker(SplittableRandom random) {
            this.random = random;
        }

        void request() {
            if (wip.getAndIncrement() != 0) {
                return;
            }
            int missed = 1;
            do {
                if (running) {
                    dispatch.submit(source.next(random), clock.nanoTime(), this::request);
                }
                missed = wip.addAndGet(-missed);
            } while (missed != 0);
        }
    }
}
