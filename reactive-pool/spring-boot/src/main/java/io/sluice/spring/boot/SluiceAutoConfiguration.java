package io.sluice.spring.boot;

import static io.sluice.spring.boot.PropertyValues.set;

import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.Database;
import io.sluice.Lane;
import io.sluice.pool.LaneConfig;
import io.sluice.pool.Lanes;
import io.sluice.pool.ServerConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Sluice for a Spring Boot application: a {@link ServerConfig} from the {@code PG*} variables and
 * {@code sluice.server.*}; {@link Lanes} built from {@code sluice.lanes.<name>.*} (the built-in interactive,
 * background and admin lanes unless switched off, and any lane named there), started when the bean is created
 * (so start-up code such as a schema migration can use them) and closed after the web server stopped
 * ({@link LanesLifecycle}); the {@link Database} facade; Sluice's meters in the application's
 * {@code MeterRegistry}. Each bean backs off when the application defines its own.
 */
@AutoConfiguration(afterName = {
        "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration"})
@ConditionalOnClass(Lanes.class)
@ConditionalOnProperty(prefix = "sluice", name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(SluiceProperties.class)
public class SluiceAutoConfiguration {

    private static final List<Lane> BUILT_IN = List.of(Lane.INTERACTIVE, Lane.BACKGROUND, Lane.ADMIN);

    /** Where to connect: the PG* variables, overridden by {@code sluice.server.*}. */
    @Bean
    @ConditionalOnMissingBean
    public ServerConfig sluiceServerConfig(SluiceProperties properties) {
        return ServerSettings.serverConfig(properties.getServer(), System.getenv());
    }

    /** The lanes, started: blocks start-up until their initial connections are open (at most {@code sluice.start-timeout}). */
    @Bean
    @ConditionalOnMissingBean
    public Lanes sluiceLanes(ServerConfig server, SluiceProperties properties, ObjectProvider<MeterRegistry> meters,
                             ObjectProvider<LaneConfigCustomizer> laneCustomizers, ObjectProvider<LanesCustomizer> customizers) {
        Lanes.Builder b = Lanes.builder(server);
        for (LaneConfig config : laneConfigs(properties, laneCustomizers.orderedStream().toList())) {
            b.lane(config);
        }
        properties.getLanes().forEach((name, p) -> {
            io.sluice.pool.ReadReplicas replicas = p.isEnabled() ? LaneSettings.replicas(LaneSettings.lane(name), p) : null;
            if (replicas != null) {
                b.readReplicas(LaneSettings.lane(name), replicas);
            }
        });
        set("sluice.close-grace", properties.getCloseGrace(), b::closeGracePeriod);
        set("sluice.health-probe-interval", properties.getHealthProbeInterval(), b::healthProbeInterval);
        set("sluice.alert-interval", properties.getAlertInterval(), b::alertInterval);
        set("sluice.stats-log-interval", properties.getStatsLogInterval(), b::statsLogInterval);
        set("sluice.priority-interval", properties.getPriorityInterval(), b::priorityInterval);
        set("sluice.budget-reserve", properties.getBudgetReserve(), b::budgetReserve);
        set("sluice.instances", properties.getInstances(), b::instances);
        set("sluice.check-budget", properties.getCheckBudget(), b::checkBudget);
        set("sluice.meter-histograms", properties.getMeterHistograms(), b::meterHistograms);
        if (!properties.isAlerts()) {
            b.alerts();
        }
        MeterRegistry registry = properties.isMeters() ? meters.getIfAvailable() : null;
        if (registry != null) {
            b.meterRegistry(registry);
        }
        customizers.orderedStream().forEach(c -> c.customize(b));
        Lanes lanes = b.build();
        try {
            return lanes.start().block(properties.getStartTimeout());
        } catch (RuntimeException e) {
            lanes.close();
            throw e;
        }
    }

    /** Closes the lanes once the web server has stopped (see {@link LanesLifecycle}). */
    @Bean
    LanesLifecycle sluiceLanesLifecycle(Lanes lanes, SluiceProperties properties) {
        return new LanesLifecycle(lanes, properties.getCloseGrace());
    }

    /** The facade the application codes against. */
    @Bean
    @ConditionalOnMissingBean
    public Database sluiceDatabase(Lanes lanes) {
        return lanes.database();
    }

    static List<LaneConfig> laneConfigs(SluiceProperties properties, List<LaneConfigCustomizer> customizers) {
        Map<Lane, SluiceLaneProperties> byLane = new LinkedHashMap<>();
        for (Lane lane : BUILT_IN) {
            byLane.put(lane, new SluiceLaneProperties());
        }
        properties.getLanes().forEach((name, p) -> byLane.put(LaneSettings.lane(name), p));
        List<LaneConfig> configs = new ArrayList<>();
        byLane.forEach((lane, p) -> {
            if (p.isEnabled()) {
                LaneConfig.Builder builder = LaneSettings.builder(lane, p);
                customizers.forEach(c -> c.customize(lane, builder));
                configs.add(LaneSettings.build(lane, builder));
            }
        });
        return configs;
    }
}
