package io.sluice.load.measure;

import io.sluice.load.report.Model.TimelinePoint;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * The live progress line: elapsed time, rate, errors and p99 so far per series. On a terminal it rewrites
 * one line; otherwise it prints a line every few seconds so logs stay short.
 */
public final class Progress {

    private final String label;
    private final PrintStream out;
    private final boolean terminal;
    private final int plainEvery;
    private int ticks;
    private int lastLength;

    public Progress(String label, PrintStream out, boolean terminal, int plainEvery) {
        this.label = label;
        this.out = out;
        this.terminal = terminal;
        this.plainEvery = Math.max(1, plainEvery);
    }

    /** Off: prints nothing. */
    public static Progress off() {
        return new Progress("", null, false, 1);
    }

    public void update(Segment segment, double elapsed, double planned, List<TimelinePoint> lastTick) {
        if (out == null) {
            return;
        }
        ticks++;
        if (!terminal && ticks % plainEvery != 0) {
            return;
        }
        String line = line(segment, elapsed, planned, lastTick);
        if (terminal) {
            int pad = Math.max(0, lastLength - line.length());
            out.print("\r" + line + " ".repeat(pad));
            lastLength = line.length();
        } else {
            out.println(line);
        }
        out.flush();
    }

    /** Ends the rewritten line, if any. */
    public void done() {
        if (out != null && terminal && lastLength > 0) {
            out.println();
            lastLength = 0;
        }
    }

    String line(Segment segment, double elapsed, double planned, List<TimelinePoint> lastTick) {
        StringBuilder sb = new StringBuilder();
        sb.append('[').append(label).append("] ").append(segment.name())
                .append(String.format(Locale.ROOT, " %.0f/%.0fs", elapsed, planned));
        for (SeriesStats s : segment.series()) {
            double rate = lastTick.stream().filter(p -> p.series().equals(s.series())).mapToDouble(TimelinePoint::rate).sum();
            long errors = s.count(Outcome.REJECTED) + s.count(Outcome.TIMEOUT) + s.count(Outcome.ERROR);
            long p99 = s.histogram(Outcome.SUCCESS).getTotalCount() == 0 ? 0 : s.histogram(Outcome.SUCCESS).getValueAtPercentile(99);
            sb.append(String.format(Locale.ROOT, " | %s %.0f/s p99 %.2fms err %d", s.series(), rate, p99 / 1000.0, errors));
        }
        return sb.toString();
    }
}
