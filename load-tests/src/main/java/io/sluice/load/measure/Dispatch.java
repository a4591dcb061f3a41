package io.sluice.load.measure;

import io.sluice.load.client.DbClient;
import io.sluice.load.client.Work;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Hands work to the client under test and records how it ended. Shared by every driver of a run.
 *
 * <p>Latency runs from the intended start the driver passes in (for open-loop load, the scheduled send
 * time, not the moment the harness got round to sending). Transient failures of work are retried up to
 * {@code maxRetries} times when asked for, at once and from the same intended start, and counted.
 */
public final class Dispatch {

    private final DbClient client;
    private final Recording recording;
    private final int maxRetries;
    private final AtomicLong inFlight = new AtomicLong();

    public Dispatch(DbClient client, Recording recording, int maxRetries) {
        this.client = client;
        this.recording = recording;
        this.maxRetries = maxRetries;
    }

    /** Starts {@code work}; {@code after} (may be null) runs once it ended, on whichever thread ended it. */
    public void submit(Work work, long intendedNanos, Runnable after) {
        Segment segment = recording.current();
        SeriesStats stats = segment.stats(work.op(), work.lane().name());
        stats.started();
        inFlight.incrementAndGet();
        attempt(work, intendedNanos, segment, stats, after, 0);
    }

    /** Records {@code work} as refused by the harness itself, without running it. */
    public void refuse(Work work, long intendedNanos, Throwable reason) {
        Segment segment = recording.current();
        SeriesStats stats = segment.stats(work.op(), work.lane().name());
        stats.started();
        recording.record(segment, stats, intendedNanos, recording.clock().nanoTime(), Failure.classify(reason));
    }

    private void attempt(Work work, long intended, Segment segment, SeriesStats stats, Runnable after, int attempt) {
        DbClient.Completion done = error -> {
            Failure failure = error == null ? null : Failure.classify(error);
            if (failure != null && failure.retryable() && attempt < maxRetries && !segment.sealed()) {
                stats.retried();
                attempt(work, intended, segment, stats, after, attempt + 1);
                return;
            }
            recording.record(segment, stats, intended, recording.clock().nanoTime(), failure);
            inFlight.decrementAndGet();
            if (after != null) {
                after.run();
            }
        };
        try {
            client.execute(work, done);
        } catch (RuntimeException | Error e) {
            done.done(e);
        }
    }

    public long inFlight() {
        return inFlight.get();
    }

    /** Waits until no work is in flight or {@code timeout} passed; true when none is left. */
    public boolean awaitIdle(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return inFlight.get() == 0;
    }
}
