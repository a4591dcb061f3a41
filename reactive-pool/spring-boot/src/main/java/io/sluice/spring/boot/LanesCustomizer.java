package io.sluice.spring.boot;

import io.sluice.pool.Lanes;

/**
 * A bean that adjusts the {@link Lanes} builder after the lanes and the {@code sluice.*} properties were
 * applied: alert rules, a health policy, lending between lanes. Called in {@code @Order}.
 */
@FunctionalInterface
public interface LanesCustomizer {

    void customize(Lanes.Builder builder);
}
