package io.sluice.load.measure;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/** Everything recorded for one series in one segment: a latency histogram per outcome and the counts. */
public final class SeriesStats {

    /** Latencies are recorded in microseconds, from 1 µs to one hour, to three significant digits. */
    public static final long MAX_MICROS = 3_600_000_000L;

    private final String series;
    private final String lane;
    private final Histogram[] byOutcome = new Histogram[Outcome.values().length];
    private final Map<String, LongAdder> errorsByType = new ConcurrentHashMap<>();
    private final LongAdder retries = new LongAdder();
    private final LongAdder inFlight = new LongAdder();
    private volatile long unfinished;

    SeriesStats(String series, String lane) {
        this.series = series;
        this.lane = lane;
        for (int i = 0; i < byOutcome.length; i++) {
            byOutcome[i] = newHistogram();
        }
    }

    public static Histogram newHistogram() {
        return new ConcurrentHistogram(1, MAX_MICROS, 3);
    }

    static long micros(long nanos) {
        return Math.min(MAX_MICROS, Math.max(1, nanos / 1000));
    }

    void record(long latencyNanos, Failure failure) {
        Outcome o = failure == null ? Outcome.SUCCESS : failure.outcome();
        byOutcome[o.ordinal()].recordValue(micros(latencyNanos));
        if (failure != null) {
            errorsByType.computeIfAbsent(o.key() + ":" + failure.type(), k -> new LongAdder()).increment();
        }
    }

    void started() {
        inFlight.increment();
    }

    void ended() {
        inFlight.decrement();
    }

    void retried() {
        retries.increment();
    }

    /** Work of this segment that had not finished when the run gave up waiting for it. */
    void abandon() {
        unfinished = Math.max(0, inFlight.sum());
    }

    public String series() {
        return series;
    }

    public String lane() {
        return lane;
    }

    public Histogram histogram(Outcome outcome) {
        return byOutcome[outcome.ordinal()];
    }

    public long count(Outcome outcome) {
        return byOutcome[outcome.ordinal()].getTotalCount();
    }

    public long retries() {
        return retries.sum();
    }

    public long unfinished() {
        return unfinished;
    }

    public long inFlight() {
        return inFlight.sum();
    }

    public Map<String, Long> errorsByType() {
        Map<String, Long> m = new java.util.TreeMap<>();
        errorsByType.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }
}
