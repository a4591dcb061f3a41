package io.sluice.load.measure;

import io.sluice.load.client.WorkSource;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Simulated users: each is a session that thinks (an exponentially distributed pause with the given mean,
 * capped at ten times it), then does one unit of work, then thinks again. Latency runs from the moment the
 * user meant to act, so a late timer or a queue counts. Users start spread over one mean think time.
 */
public final class UsersDriver implements Driver {

    private final int users;
    private final long meanThinkNanos;
    private final WorkSource source;
    private final Dispatch dispatch;
    private final NanoClock clock;
    private final long seed;
    private volatile boolean running;
    private ScheduledExecutorService timer;

    public UsersDriver(int users, long meanThinkNanos, WorkSource source, Dispatch dispatch, NanoClock clock, long seed) {
        this.users = users;
        this.meanThinkNanos = meanThinkNanos;
        this.source = source;
        this.dispatch = dispatch;
        this.clock = clock;
        this.seed = seed;
    }

    /** A think time: exponential with mean {@code meanNanos}, capped at ten times the mean. */
    public static long thinkNanos(SplittableRandom random, long meanNanos) {
        double u = random.nextDouble();
        return (long) Math.min(10.0 * meanNanos, -meanNanos * Math.log(1.0 - u));
    }

    @Override
    public void start() {
        running = true;
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "load-users-timer");
            t.setDaemon(true);
            return t;
        });
        SplittableRandom seeds = new SplittableRandom(seed);
        for (int i = 0; i < users; i++) {
            SplittableRandom r = seeds.split();
            schedule(r, (long) (r.nextDouble() * meanThinkNanos));
        }
    }

    private void schedule(SplittableRandom random, long delayNanos) {
        if (!running) {
            return;
        }
        long due = clock.nanoTime() + delayNanos;
        try {
            timer.schedule(() -> act(random, due), delayNanos, TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            // the driver was stopped meanwhile
        }
    }

    private void act(SplittableRandom random, long due) {
        if (running) {
            dispatch.submit(source.next(random), due, () -> schedule(random, thinkNanos(random, meanThinkNanos)));
        }
    }

    @Override
    public void stop() {
        running = false;
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
