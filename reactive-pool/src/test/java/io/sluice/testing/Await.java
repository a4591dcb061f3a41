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
}
