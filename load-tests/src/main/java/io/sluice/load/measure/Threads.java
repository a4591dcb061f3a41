package io.sluice.load.measure;

/** Stopping the harness's own background threads. */
public final class Threads {

    private Threads() {
    }

    /** Interrupts {@code thread} (may be null) and waits up to {@code millis} for it to end. */
    public static void stop(Thread thread, long millis) {
        if (thread == null) {
            return;
        }
        thread.interrupt();
        try {
            thread.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
