package io.sluice.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import reactor.core.publisher.Mono;

/** Polling for a condition in tests that watch the server or a pool settle. */
public final class Await {

    private Await() {
    }

    /** Polls {@code condition} every 20 ms for at most {@code timeout}; whether it became true. */
    public static boolean until(Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Mono.delay(Duration.ofMillis(20)).block();
        }
        return true;
    }

    /**
     * Whether every connection of {@code lane} is back in its pool within 5 s: a pool's snapshot is eventually
     * consistent after the work's last signal (the hand-back may still be running on a loop thread, the lane's
     * own refill may hold one for a moment); a connection that is never handed back still makes it false.
     */
    public static boolean noneLentOut(io.sluice.pool.Lanes lanes, io.sluice.Lane lane) {
        return until(Duration.ofSeconds(5), () -> lanes.snapshot(lane).acquired() == 0);
    }
}
