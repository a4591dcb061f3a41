package io.sluice;

import java.time.Duration;

/**
 * What one {@link Job#run()} did: items processed and committed, items marked failed, chunks committed,
 * chunks run again after a transient failure, and how long it took.
 */
public record JobReport(String job, long done, long failed, long chunks, long chunkRetries, Duration elapsed) {

    /** Items per second over the run. */
    public double itemsPerSecond() {
        double s = elapsed.toNanos() / 1e9;
        return s <= 0 ? 0 : (done + failed) / s;
    }
}
