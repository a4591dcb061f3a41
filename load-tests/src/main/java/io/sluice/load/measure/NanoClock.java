package io.sluice.load.measure;

import java.util.concurrent.locks.LockSupport;

/** The harness's time source, injectable so that scheduling and latency arithmetic can be tested without sleeping. */
public interface NanoClock {

    /** The real clock: {@link System#nanoTime()} and {@link LockSupport#parkNanos(long)}. */
    NanoClock SYSTEM = new NanoClock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public void parkUntil(long deadline) {
            long wait;
            while ((wait = deadline - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
                if (Thread.currentThread().isInterrupted()) {
                    return;
                }
            }
        }
    };

    long nanoTime();

    /** Returns at or soon after {@code deadline} (a {@link #nanoTime()} value), at once when it has passed. */
    void parkUntil(long deadline);
}
