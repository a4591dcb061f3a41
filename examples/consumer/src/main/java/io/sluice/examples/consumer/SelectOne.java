package io.sluice.examples.consumer;

import io.sluice.Lane;
import io.sluice.pool.LaneConfig;
import io.sluice.pool.Lanes;
import io.sluice.pool.ServerConfig;

import java.time.Duration;

/**
 * Opens one lane on the server named by the {@code PG*} variables, runs {@code SELECT 1} on it, prints
 * the result and closes the lanes. Exits with status 1 when anything fails.
 */
public final class SelectOne {

    private static final Duration WAIT = Duration.ofSeconds(30);

    public static void main(String[] args) {
        try (Lanes lanes = Lanes.builder(ServerConfig.fromEnvironment().build())
                .lane(LaneConfig.builder(Lane.INTERACTIVE).maxSize(1).build())
                .build()) {
            lanes.start().block(WAIT);
            Integer one = lanes.database().sql(Lane.INTERACTIVE, "SELECT 1")
                    .map(r -> r.get(0, Integer.class))
                    .one()
                    .block(WAIT);
            if (one == null || one != 1) {
                throw new IllegalStateException("SELECT 1 returned " + one);
            }
            System.out.println("SELECT 1 returned " + one + " through " + lanes);
        } catch (Throwable e) {
            e.printStackTrace();
            System.exit(1);
        }
    }

    private SelectOne() {
    }
}
