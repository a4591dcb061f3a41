package io.sluice.load.run;

import io.sluice.load.client.DbClient;
import io.sluice.load.client.DbClient.PoolState;
import io.sluice.load.measure.Progress;
import io.sluice.load.measure.Recording;
import io.sluice.load.measure.Segment;
import io.sluice.load.measure.Threads;
import io.sluice.load.report.LatencyStats;
import io.sluice.load.report.Model.PoolPoint;
import io.sluice.load.report.Model.TimelinePoint;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Samples the client's pools every 100 ms and, every sampling interval, closes a timeline interval, emits
 * the pools' means and maxima over it, and updates the progress line.
 */
final class Monitor {

    private static final long POOL_EVERY_MS = 100;

    private final Recording recording;
    private final DbClient client;
    private final Progress progress;
    private final long intervalMs;
    private final List<PoolPoint> pools = new CopyOnWriteArrayList<>();
    private final Map<String, Acc> acc = new LinkedHashMap<>();
    private volatile double plannedSeconds;
    private volatile boolean running;
    private Thread thread;

    private static final class Acc {
        int max;
        Integer allocated;
        double acquired;
        double idle;
        double pending;
        int acquiredMax;
        int pendingMax;
        int n;
        boolean hasAcquired;
        boolean hasIdle;
        boolean hasPending;
    }

    Monitor(Recording recording, DbClient client, Progress progress, long intervalMs) {
        this.recording = recording;
        this.client = client;
        this.progress = progress;
        this.intervalMs = Math.max(POOL_EVERY_MS, intervalMs);
    }

    /** The planned length of the segment now running, for the progress line. */
    void plan(double seconds) {
        plannedSeconds = seconds;
    }

    void start() {
        running = true;
        thread = new Thread(this::run, "load-monitor");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        long next = System.nanoTime();
        long nextTick = next + intervalMs * 1_000_000L;
        while (running) {
            next += POOL_EVERY_MS * 1_000_000L;
            long sleep = next - System.nanoTime();
            if (sleep > 0) {
                try {
                    Thread.sleep(sleep / 1_000_000L, (int) (sleep % 1_000_000L));
                } catch (InterruptedException e) {
                    return;
                }
            }
            samplePools();
            long now = System.nanoTime();
            if (now >= nextTick) {
                nextTick += intervalMs * 1_000_000L;
                tick(now);
            }
        }
    }

    private void samplePools() {
        List<PoolState> states;
        try {
            states = client.pools();
        } catch (RuntimeException e) {
            return;
        }
        synchronized (acc) {
            for (PoolState s : states) {
                Acc a = acc.computeIfAbsent(s.pool(), k -> new Acc());
                a.max = s.maxSize();
                a.allocated = s.allocated();
                a.n++;
                if (s.acquired() != null) {
                    a.hasAcquired = true;
                    a.acquired += s.acquired();
                    a.acquiredMax = Math.max(a.acquiredMax, s.acquired());
                }
                if (s.idle() != null) {
                    a.hasIdle = true;
                    a.idle += s.idle();
                }
                if (s.pending() != null) {
                    a.hasPending = true;
                    a.pending += s.pending();
                    a.pendingMax = Math.max(a.pendingMax, s.pending());
                }
            }
        }
    }

    /** Closes one interval now; also called once at the end so the last partial interval is kept. */
    synchronized void tick(long now) {
        List<TimelinePoint> points = recording.tick(now);
        double t = LatencyStats.round(recording.seconds(now));
        synchronized (acc) {
            for (Map.Entry<String, Acc> e : acc.entrySet()) {
                Acc a = e.getValue();
                if (a.n == 0) {
                    continue;
                }
                pools.add(new PoolPoint(t, e.getKey(), a.max, a.allocated,
                        a.hasAcquired ? round1(a.acquired / a.n) : null, a.hasAcquired ? a.acquiredMax : null,
                        a.hasIdle ? round1(a.idle / a.n) : null,
                        a.hasPending ? round1(a.pending / a.n) : null, a.hasPending ? a.pendingMax : null));
            }
            acc.clear();
        }
        Segment s = recording.current();
        progress.update(s, recording.seconds(now) - recording.seconds(s.startNanos()), plannedSeconds, points);
    }

    private static double round1(double v) {
        return Math.round(v * 10) / 10.0;
    }

    void stop() {
        running = false;
        Threads.stop(thread, 2000);
        tick(System.nanoTime());
        progress.done();
    }

    List<PoolPoint> pools() {
        return List.copyOf(pools);
    }
}
