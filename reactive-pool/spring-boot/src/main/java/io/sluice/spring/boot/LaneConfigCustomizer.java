package io.sluice.spring.boot;

import io.sluice.Lane;
import io.sluice.pool.LaneConfig;

/**
 * A bean that adjusts a lane's builder after the {@code sluice.lanes.<name>.*} properties were applied and
 * before it is built: for what properties cannot say (a session setting computed at start-up, a
 * {@code sessionInit} per tenant). Called once per lane, in {@code @Order}.
 */
@FunctionalInterface
public interface LaneConfigCustomizer {

    void customize(Lane lane, LaneConfig.Builder builder);
}
