package io.sluice.load.measure;

import io.sluice.load.report.SeriesResults;
import io.sluice.load.report.Model.TimelinePoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * All measurements of one client's run: its segments, and per series an interval recorder that the
 * monitor turns into a timeline. Thread-safe; {@link #tick(long)} is called by one thread.
 */
public final class Recording {

    private final NanoClock clock;
    private final long t0;
    private final List<Segment> segments = new CopyOnWriteArrayList<>();
    private final Map<String, Live> live = new ConcurrentHashMap<>();
    private final List<TimelinePoint> timeline = new CopyOnWriteArrayList<>();
    private volatile Segment current;
    private long lastTick;

    private static final class Live {
        final String series;
        final Recorder ok = new Recorder(1, SeriesStats.MAX_MICROS, 3);
        final Recorder failed = new Recorder(1, SeriesStats.MAX_MICROS, 3);
        Histogram okBuf;
        Histogram failedBuf;

        Live(String series) {
            this.series = series;
        }
    }

    public Recording(NanoClock clock) {
        this.clock = clock;
        this.t0 = clock.nanoTime();
        this.lastTick = t0;
        this.current = new Segment("start", true, t0);
    }

    /** Ends the current segment and starts counting into a new one. */
    public Segment begin(String name, boolean warmup) {
        long now = clock.nanoTime();
        current.end(now);
        Segment s = new Segment(name, warmup, now);
        segments.add(s);
        current = s;
        return s;
    }

    /** Ends the current segment without starting another (work still running keeps counting in it). */
    public void endCurrent() {
        current.end(clock.nanoTime());
    }

    public Segment current() {
        return current;
    }

    public List<Segment> segments() {
        return List.copyOf(segments);
    }

    /** Seconds since the recording began. */
    public double seconds(long nanos) {
        return (nanos - t0) / 1e9;
    }

    public NanoClock clock() {
        return clock;
    }

    /** Records one finished unit of work in {@code segment}, measured from its intended start. */
    public void record(Segment segment, SeriesStats stats, long intendedNanos, long endNanos, Failure failure) {
        stats.ended();
        if (segment.sealed()) {
            return;
        }
        long latency = Math.max(0, endNanos - intendedNanos);
        stats.record(latency, failure);
        Live l = live.get(stats.series());
        if (l == null) {
            l = live.computeIfAbsent(stats.series(), Live::new);
        }
        (failure == null ? l.ok : l.failed).recordValue(SeriesStats.micros(latency));
    }

    /** Closes one sampling interval: a timeline point per series that has seen work. */
    public List<TimelinePoint> tick(long now) {
        double dt = (now - lastTick) / 1e9;
        lastTick = now;
        List<TimelinePoint> points = new ArrayList<>();
        String segment = current.name();
        for (Live l : live.values()) {
            l.okBuf = l.ok.getIntervalHistogram(l.okBuf);
            l.failedBuf = l.failed.getIntervalHistogram(l.failedBuf);
            points.add(SeriesResults.point(seconds(now), segment, l.series, l.okBuf, l.failedBuf.getTotalCount(), dt));
        }
        timeline.addAll(points);
        return points;
    }

    public List<TimelinePoint> timeline() {
        return List.copyOf(timeline);
    }
}
