package io.sluice.spring.boot;

import io.sluice.pool.Lanes;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * The {@code lanes} health component, when the application has Spring Boot's health support (the actuator).
 * Off with {@code management.health.lanes.enabled=false}.
 */
@AutoConfiguration(after = SluiceAutoConfiguration.class)
@ConditionalOnClass({ReactiveHealthIndicator.class, ConditionalOnEnabledHealthIndicator.class})
@ConditionalOnBean(Lanes.class)
@ConditionalOnEnabledHealthIndicator("lanes")
public class SluiceHealthAutoConfiguration {

    @Bean(name = "lanesHealthIndicator")
    @ConditionalOnMissingBean(name = "lanesHealthIndicator")
    public SluiceHealthIndicator lanesHealthIndicator(Lanes lanes) {
        return new SluiceHealthIndicator(lanes);
    }
}
