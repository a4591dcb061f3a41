package io.sluice.examples;

import io.sluice.Database;
import io.sluice.pool.Lanes;
import io.sluice.pool.ServerConfig;
import io.sluice.spring.boot.LanesCustomizer;
import io.sluice.testing.Await;
import io.sluice.testing.PostgresFixture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The meal planner, running for one test class: on a random port, against the PostgreSQL of the
 * project's test fixture ({@link PostgresFixture}: Testcontainers where Docker runs, else the server
 * named by the PG* variables), in a schema of its own with {@code application_name}s of its own, so
 * counts in {@code pg_stat_activity} see only its connections.
 */
final class TestService {

    final PostgresFixture pg = PostgresFixture.get();
    final String schema = PostgresFixture.uniqueName("meal");
    /** Prefix of the lanes' application_names: {@code <prefix>-interactive}, {@code -background}, {@code -admin}. */
    final String applicationName = schema.replace('_', '-');
    final ConfigurableApplicationContext context;
    /** A client without the admin credential, as users are. */
    final WebTestClient client;
    /** A client sending the admin credential ({@code Authorization: Bearer} {@link #ADMIN_TOKEN}). */
    final WebTestClient admin;
    final int port;

    static final String ADMIN_TOKEN = "test-admin-token-0123456789";

    TestService(String... properties) {
        this(PostgresFixture.get().server(), properties);
    }

    /** The service connecting to {@code server} (e.g. a fault proxy in front of the fixture's server). */
    TestService(ServerConfig server, String... properties) {
        this(server, b -> { }, properties);
    }

    /** The service with {@code lanes} applied to the lanes' builder too (e.g. alert rules a test needs). */
    TestService(ServerConfig server, LanesCustomizer lanes, String... properties) {
        List<String> props = new ArrayList<>(List.of(
                "server.port=0",
                "spring.main.banner-mode=off",
                "meal-planner.schema=" + schema,
                "meal-planner.application-name=" + applicationName,
                "meal-planner.admin-token=" + ADMIN_TOKEN,
                "meal-planner.aggregation-cron=-",
                "sluice.lanes.background.max-size=2"));
        props.addAll(List.of(properties));
        try {
            context = new SpringApplicationBuilder(MealPlannerApplication.class)
                    .main(MealPlannerApplication.class)
                    // the fixture's server instead of ServerConfig.fromEnvironment() (the bean is @ConditionalOnMissingBean)
                    .initializers(ctx -> {
                        ctx.getBeanFactory().registerSingleton("serverConfig", server);
                        ctx.getBeanFactory().registerSingleton("testLanesCustomizer", lanes);
                    })
                    // as command-line arguments, so they win over application.properties
                    .run(props.stream().map(p -> "--" + p).toArray(String[]::new));
        } catch (RuntimeException e) {
            dropSchema();
            throw e;
        }
        port = context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
        client = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port)
                .responseTimeout(Duration.ofSeconds(20)).build();
        admin = client.mutate().defaultHeader("Authorization", "Bearer " + ADMIN_TOKEN).build();
    }

    Lanes lanes() {
        return context.getBean(Lanes.class);
    }

    Database db() {
        return context.getBean(Database.class);
    }

    ServerConfig server() {
        return pg.server();
    }

    /** Server backends of this service's lanes, counted in pg_stat_activity. */
    int connections() {
        return pg.queryOne("SELECT count(*)::int FROM pg_stat_activity WHERE application_name LIKE '"
                + applicationName + "-%'", r -> r.get(0, Integer.class));
    }

    /**
     * Stops the service as a shutdown would (web server, then {@code Lanes.close()}), drops its schema and
     * returns how many of its connections were still on the server after waiting up to 10 s.
     */
    int stop() {
        try {
            context.close();
            Await.until(Duration.ofSeconds(10), () -> connections() == 0);
            return connections();
        } finally {
            dropSchema();
        }
    }

    private void dropSchema() {
        pg.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
}
