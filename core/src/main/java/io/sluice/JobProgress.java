package io.sluice;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Where a {@link Job#run()} stands, published on {@link Job#progress()} after every committed chunk: items
 * done and failed so far in this run, the rate over the run, and — when the job was given a
 * {@code remaining} query — the items left and the time they will take at that rate.
 */
public record JobProgress(String job, long done, long failed, long chunks, double itemsPerSecond,
                          @Nullable Long remaining, @Nullable Duration eta) {
}
