package io.sluice.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.ConfigurationException;
import io.sluice.Database;
import io.sluice.Isolation;
import io.sluice.Lane;
import io.sluice.RowMapper;
import io.sluice.pool.LaneConfig;
import io.sluice.pool.Lanes;
import io.sluice.pool.SluiceMeters;
import io.sluice.testing.Await;
import io.sluice.testing.PostgresFixture;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The starter against a real PostgreSQL: properties into the builders, beans, meters, health, and the drain at shutdown. */
class SluiceAutoConfigurationTest {

    private final PostgresFixture pg = PostgresFixture.get();

    @Test
    void propertiesReachEachLaneThroughTheBuilders() {
        String app = PostgresFixture.uniqueName("boot").replace('_', '-');
        try (ConfigurableApplicationContext ctx = TestApplication.run(
                "sluice.lanes.interactive.max-size=3",
                "sluice.lanes.interactive.min-idle=1",
                "sluice.lanes.interactive.acquire-timeout=750ms",
                "sluice.lanes.interactive.statement-timeout=PT2S",
                "sluice.lanes.interactive.isolation=repeatable-read",
                "sluice.lanes.interactive.application-name=" + app + "-i",
                "sluice.lanes.interactive.session-settings.[search_path]=pg_catalog",
                "sluice.lanes.interactive.retry.max-attempts=2",
                "sluice.lanes.background.max-size=1",
                "sluice.lanes.background.circuit-breaker.enabled=false",
                "sluice.lanes.admin.enabled=false",
                "sluice.lanes.reports.max-size=1",
                "sluice.lanes.reports.application-name=" + app + "-r",
                "sluice.health-probe-interval=200ms")) {
            Lanes lanes = ctx.getBean(Lanes.class);
            assertThat(lanes.lanes()).containsExactlyInAnyOrder(Lane.INTERACTIVE, Lane.BACKGROUND, Lane.of("reports"));
            LaneConfig interactive = lanes.config(Lane.INTERACTIVE);
            assertThat(interactive.maxSize()).isEqualTo(3);
            assertThat(interactive.minIdle()).isEqualTo(1);
            assertThat(interactive.acquireTimeout()).isEqualTo(Duration.ofMillis(750));
            assertThat(interactive.statementTimeout()).isEqualTo(Duration.ofSeconds(2));
            assertThat(interactive.isolation()).isEqualTo(Isolation.REPEATABLE_READ);
            assertThat(interactive.sessionSettings()).containsEntry("search_path", "pg_catalog");
            assertThat(interactive.retry().maxAttempts()).isEqualTo(2);
            assertThat(lanes.config(Lane.BACKGROUND).circuitBreaker()).isNull();

            Database db = ctx.getBean(Database.class);
            assertThat(db.sql(Lane.INTERACTIVE, "SELECT current_setting('search_path')").map(RowMapper.column(String.class)).one()
                    .block(Duration.ofSeconds(10))).isEqualTo("pg_catalog");
            assertThat(db.sql(Lane.of("reports"), "SELECT 1").map(RowMapper.column(Integer.class)).one().block(Duration.ofSeconds(10)))
                    .isEqualTo(1);

            // Sluice's meters are in Spring Boot's registry, tagged by lane
            MeterRegistry meters = ctx.getBean(MeterRegistry.class);
            assertThat(meters.find(SluiceMeters.ADMITTED).tag("lane", "reports").meters()).isNotEmpty();
            assertThat(meters.find(SluiceMeters.CONNECTION_MAX).meters()).isNotEmpty();

            // the health component answers from the lanes
            Health health = ctx.getBean("lanesHealthIndicator", SluiceHealthIndicator.class).health().block(Duration.ofSeconds(10));
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsKeys("lanes", "reasons", "server");
            assertThat(ctx.getEnvironment().getProperty(SluiceEnvironmentDefaults.ORDER)).contains("DEGRADED");
            assertThat(pg.backends(app + "-i")).isGreaterThanOrEqualTo(1);
        }
        // closing the context closed every connection
        assertThat(Await.until(Duration.ofSeconds(10), () -> pg.backends(app + "-i") + pg.backends(app + "-r") == 0)).isTrue();
    }

    @Test
    void anInvalidPropertyFailsStartUpNamingTheProperty() {
        assertThatThrownBy(() -> TestApplication.run("sluice.lanes.interactive.max-size=0").close())
                .satisfies(failure -> assertThat(rejection(failure)).satisfies( e -> {
                    assertThat(e.setting()).isEqualTo("sluice.lanes.interactive.max-size");
                    assertThat(e.getMessage()).startsWith("Invalid Sluice property 'sluice.lanes.interactive.max-size': ")
                            .contains("maxSize must be at least 1, was 0");
                }));
    }

    @Test
    void settingsThatContradictEachOtherNameTheProperty() {
        assertThatThrownBy(() -> TestApplication.run("sluice.lanes.background.max-size=2", "sluice.lanes.background.min-idle=3").close())
                .satisfies(failure -> assertThat(rejection(failure)).satisfies( e -> {
                    assertThat(e.setting()).isEqualTo("sluice.lanes.background.min-idle");
                    assertThat(e.getMessage()).contains("minIdle (3) must not exceed maxSize (2)");
                }));
        assertThatThrownBy(() -> TestApplication.run("sluice.lanes.Bad Name.max-size=2").close())
                .satisfies(failure -> assertThat(rejection(failure).setting()).isEqualTo("sluice.lanes.BadName"));
        assertThatThrownBy(() -> TestApplication.run("sluice.server.ssl-mode=sometimes").close())
                .satisfies(failure -> assertThat(rejection(failure)).satisfies(e -> assertThat(e.setting()).isEqualTo("sluice.server.ssl-mode")));
        assertThatThrownBy(() -> TestApplication.run("sluice.lanes.background.standbys=postgresql://app@replica-1:5432/meals",
                        "sluice.lanes.background.replica-max-lag=0s").close())
                .satisfies(failure -> assertThat(rejection(failure)).satisfies(e -> assertThat(e.setting()).isEqualTo("sluice.lanes.background.replica-max-lag")));
        assertThatThrownBy(() -> TestApplication.run("sluice.lanes.background.standbys=postgresql://app@replica-1:99999/meals").close())
                .satisfies(failure -> assertThat(rejection(failure)).satisfies(e -> assertThat(e.setting()).isEqualTo("sluice.lanes.background.standbys[0]")));
        assertThatThrownBy(() -> TestApplication.run("sluice.lanes.interactive.adaptive-admission.min=2").close())
                .satisfies(failure -> assertThat(rejection(failure)).satisfies(e -> assertThat(e.setting()).isEqualTo("sluice.lanes.interactive.adaptive-admission.max")));
    }

    /** The outermost ConfigurationException of a failed start-up: the starter's, naming the property (the builder's is its cause). */
    private static ConfigurationException rejection(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ConfigurationException e) {
                return e;
            }
        }
        throw new AssertionError("no ConfigurationException in " + failure, failure);
    }

    @Test
    void theFailureReportSaysWhatToCorrect() {
        ConfigurationException e = new ConfigurationException("sluice.lanes.interactive.max-size",
                "Invalid Sluice property 'sluice.lanes.interactive.max-size': lane 'interactive': maxSize must be at least 1, was 0");
        FailureAnalysis analysis = new SluiceFailureAnalyzer().analyze(new IllegalStateException("wrapped", e));
        assertThat(analysis.getDescription()).contains("sluice.lanes.interactive.max-size").contains("was 0");
        assertThat(analysis.getAction()).contains("Correct 'sluice.lanes.interactive.max-size'");
    }

    @Test
    void lanesCloseAfterTheWebServerPhaseStopped() {
        AtomicReference<Object> duringWebServerStop = new AtomicReference<>();
        ConfigurableApplicationContext ctx = TestApplication.run(WebServerStandIn.class,
                "sluice.lanes.interactive.max-size=1", "sluice.lanes.background.max-size=1", "sluice.lanes.admin.max-size=1");
        WebServerStandIn web = ctx.getBean(WebServerStandIn.class);
        web.onStop = () -> duringWebServerStop.set(ctx.getBean(Database.class)
                .sql(Lane.INTERACTIVE, "SELECT 1").map(RowMapper.column(Integer.class)).one()
                .onErrorResume(x -> reactor.core.publisher.Mono.just(-1)).block(Duration.ofSeconds(10)));
        Lanes lanes = ctx.getBean(Lanes.class);
        ctx.close();
        assertThat(duringWebServerStop.get()).as("the lanes still served while the web server phase stopped").isEqualTo(1);
        assertThatThrownBy(() -> lanes.drain(Lane.INTERACTIVE)).isInstanceOf(io.sluice.LaneClosedException.class);
    }

    /** A lifecycle in the web server's start/stop phase, standing in for it. */
    @Configuration(proxyBeanMethods = false)
    static class WebServerStandIn implements SmartLifecycle {
        volatile Runnable onStop = () -> { };
        private volatile boolean running;

        @Bean
        String marker() {
            return "web";
        }

        @Override
        public void start() {
            running = true;
        }

        @Override
        public void stop() {
            onStop.run();
            running = false;
        }

        @Override
        public boolean isRunning() {
            return running;
        }

        @Override
        public int getPhase() {
            return SmartLifecycle.DEFAULT_PHASE - 2048;
        }
    }
}
