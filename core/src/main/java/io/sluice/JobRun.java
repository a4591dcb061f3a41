package io.sluice;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * One run of a {@link Job} or {@link RangeJob}: its counts, shared by its concurrent chunk loops, and what
 * both kinds of job do alike — the loop of chunks with its retries, progress and the report.
 */
final class JobRun {

    final long start = System.nanoTime();
    final AtomicLong done = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong chunks = new AtomicLong();
    final AtomicLong retries = new AtomicLong();
    /** Items (or, for a range job, ranges) left when the run started; -1 when unknown. */
    volatile long total = -1;

    /**
     * Chunks one after another until one finds nothing to do ({@code chunk} emits 0); a transient failure
     * runs the chunk again with backoff, up to {@code chunkRetries} times; any other failure ends the loop.
     */
    Mono<Void> loop(Supplier<Mono<Integer>> chunk, int chunkRetries) {
        return Mono.defer(chunk)
                .retryWhen(Retry.backoff(chunkRetries, Duration.ofMillis(100)).maxBackoff(Duration.ofSeconds(5))
                        .filter(JobRun::transientFailure).doBeforeRetry(s -> retries.incrementAndGet())
                        .onRetryExhaustedThrow((spec, signal) -> signal.failure()))
                .repeat()
                .takeUntil(n -> n == 0)
                .then();
    }

    /** Where the run stands; {@code remaining}: what is left, in items, when known. */
    JobProgress progress(String job, @Nullable Long remaining) {
        long d = done.get();
        long f = failed.get();
        double secs = (System.nanoTime() - start) / 1e9;
        double rate = secs <= 0 ? 0 : (d + f) / secs;
        Duration eta = remaining == null || rate <= 0 ? null : Duration.ofMillis((long) (remaining / rate * 1000));
        return new JobProgress(job, d, f, chunks.get(), rate, remaining, eta);
    }

    JobReport report(String job) {
        return new JobReport(job, done.get(), failed.get(), chunks.get(), retries.get(), Duration.ofNanos(System.nanoTime() - start));
    }

    /** Whether a failure is the chunk's (run it again, or stop), not one item's. */
    static boolean chunkFailure(Throwable e) {
        if (!(e instanceof SluiceException se)) {
            return false;                                   // the application's own exception: the item's
        }
        FailureKind k = se.kind();
        return k != FailureKind.INTEGRITY_VIOLATION && k != FailureKind.OTHER;
    }

    static boolean transientFailure(Throwable e) {
        return e instanceof SluiceException se && se.isTransient();
    }

    /** An error's message for a failed mark: at most 1,000 characters. */
    static String message(Throwable e) {
        String m = String.valueOf(e.getMessage());
        return m.length() > 1000 ? m.substring(0, 1000) : m;
    }
}
