package io.sluice.load.measure;

import io.sluice.load.client.Work;
import io.sluice.load.client.WorkSource;
import java.util.SplittableRandom;

/**
 * Open-loop load: work is issued at a fixed arrival rate on one thread, whether or not earlier work has
 * finished, and each unit's latency is measured from its scheduled time. When the sender falls behind
 * (a stalled client call, a GC pause) it catches up at once rather than skipping arrivals, and the lag is
 * part of the latency. Work beyond {@code maxInFlight} is refused by the harness and counted as rejected,
 * so an unresponsive client cannot exhaust the harness's memory.
 */
public final class OpenLoopDriver implements Driver {

    private final String name;
    private final double rate;
    private final WorkSource source;
    private final Dispatch dispatch;
    private final NanoClock clock;
    private final int maxInFlight;
    private final SplittableRandom random;
    private volatile boolean running;
    private volatile long maxLag;
    private Thread thread;

    public OpenLoopDriver(String name, double rate, WorkSource source, Dispatch dispatch, NanoClock clock,
                          int maxInFlight, long seed) {
        this.name = name;
        this.rate = rate;
        this.source = source;
        this.dispatch = dispatch;
        this.clock = clock;
        this.maxInFlight = maxInFlight;
        this.random = new SplittableRandom(seed);
    }

    @Override
    public void start() {
        running = true;
        thread = new Thread(() -> loop(Long.MAX_VALUE), "load-open-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Issues {@code arrivals} units of work on the calling thread, then returns; for tests with a fake clock. */
    public void runArrivals(long arrivals) {
        running = true;
        loop(arrivals);
    }

    private void loop(long arrivals) {
        ArrivalSchedule schedule = new ArrivalSchedule(clock.nanoTime(), rate);
        for (long i = 0; running && i < arrivals; i++) {
            long due = schedule.at(i);
            clock.parkUntil(due);
            if (!running) {
                break;
            }
            long lag = clock.nanoTime() - due;
            if (lag > maxLag) {
                maxLag = lag;
            }
            Work work = source.next(random);
            if (dispatch.inFlight() >= maxInFlight) {
                dispatch.refuse(work, due, new Failure.InFlightCapException(maxInFlight));
            } else {
                dispatch.submit(work, due, null);
            }
        }
    }

    @Override
    public void stop() {
        running = false;
        Threads.stop(thread, 5000);
    }

    @Override
    public long maxSendLagNanos() {
        return maxLag;
    }
}
