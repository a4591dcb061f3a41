package io.sluice.load.measure;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A stretch of a run (a warm-up or a measured phase). Work is counted in the segment in which it was
 * <em>meant</em> to start, and its latency runs from that intended time, so work queued at the end of a
 * segment still counts there and coordinated omission does not hide the queueing.
 */
public final class Segment {

    private final String name;
    private final boolean warmup;
    private final long startNanos;
    private volatile long endNanos;
    private volatile boolean sealed;
    private final Map<String, SeriesStats> series = new ConcurrentHashMap<>();

    Segment(String name, boolean warmup, long startNanos) {
        this.name = name;
        this.warmup = warmup;
        this.startNanos = startNanos;
    }

    public String name() {
        return name;
    }

    public boolean warmup() {
        return warmup;
    }

    public long startNanos() {
        return startNanos;
    }

    /** When the segment ended; 0 while it runs. */
    public long endNanos() {
        return endNanos;
    }

    void end(long nanos) {
        if (endNanos == 0) {
            endNanos = nanos;
        }
    }

    SeriesStats stats(String op, String lane) {
        SeriesStats s = series.get(op);
        return s != null ? s : series.computeIfAbsent(op, k -> new SeriesStats(op, lane));
    }

    public Collection<SeriesStats> series() {
        return series.values();
    }

    /** Stops counting: work of this segment still running is counted as unfinished; later completions are ignored. */
    public void seal() {
        if (!sealed) {
            sealed = true;
            series.values().forEach(SeriesStats::abandon);
        }
    }

    boolean sealed() {
        return sealed;
    }
}
