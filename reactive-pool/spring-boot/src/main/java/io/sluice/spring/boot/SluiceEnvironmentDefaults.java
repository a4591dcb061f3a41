package io.sluice.spring.boot;

import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Ranks the lanes' DEGRADED health status between DOWN and UP
 * ({@code management.endpoint.health.status.order=DOWN,OUT_OF_SERVICE,DEGRADED,UP,UNKNOWN}), unless the
 * application orders statuses itself: without it an unknown status would outrank DOWN in the aggregate.
 * Added last, so every other property source wins.
 */
final class SluiceEnvironmentDefaults implements EnvironmentPostProcessor {

    static final String ORDER = "management.endpoint.health.status.order";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (!environment.containsProperty(ORDER)) {
            environment.getPropertySources().addLast(new MapPropertySource("sluiceDefaults",
                    Map.of(ORDER, "DOWN,OUT_OF_SERVICE,DEGRADED,UP,UNKNOWN")));
        }
    }
}
