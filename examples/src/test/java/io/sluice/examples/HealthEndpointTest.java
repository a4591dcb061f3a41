package io.sluice.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.pool.ServerConfig;
import io.sluice.testing.Await;
import io.sluice.testing.FaultProxy;
import io.sluice.testing.PostgresFixture;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.core.ParameterizedTypeReference;

/** {@code /lanes/health} and {@code /actuator/health} through a fault proxy: 200 while UP, 503 while the server is down, 200 again. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HealthEndpointTest {

    private FaultProxy proxy;
    private TestService service;

    @BeforeAll
    void start() {
        ServerConfig pg = PostgresFixture.get().server();
        proxy = FaultProxy.start(pg.host(), pg.port());
        ServerConfig through = PostgresFixture.get().serverBuilder().host(proxy.host()).port(proxy.port())
                .connectTimeout(Duration.ofSeconds(1)).build();
        service = new TestService(through, "meal-planner.health-probe-interval=200ms");
    }

    @AfterAll
    void stop() {
        proxy.passThrough();
        int left = service.stop();
        proxy.close();
        assertThat(left).isZero();
    }

    private Map<String, Object> get(String uri, int status) {
        return service.client.get().uri(uri).exchange().expectStatus().isEqualTo(status)
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { }).returnResult().getResponseBody();
    }

    private int status(String uri) {
        return service.client.get().uri(uri).exchange().returnResult(String.class).getStatus().value();
    }

    @Test
    @SuppressWarnings("unchecked")
    void healthIsServedAsJsonAnd503WhileTheServerIsDown() {
        Map<String, Object> up = get("/lanes/health", 200);
        assertThat(up.get("status")).isEqualTo("UP");
        assertThat((Map<String, Object>) up.get("lanes")).containsOnlyKeys("interactive", "background", "admin");
        Map<String, Object> interactive = (Map<String, Object>) ((Map<String, Object>) up.get("lanes")).get("interactive");
        assertThat(interactive.get("status")).isEqualTo("UP");
        assertThat((Map<String, Object>) interactive.get("figures")).containsEntry("maxSize", 8).containsEntry("breakerState", "CLOSED");
        Map<String, Object> server = (Map<String, Object>) up.get("server");
        assertThat(server.get("reachable")).isEqualTo(true);
        assertThat((Integer) server.get("maxConnections")).isPositive();
        assertThat((Integer) server.get("thisApplication")).isPositive();
        assertThat(up.get("checkedAt")).asString().matches("\\d{4}-\\d\\d-\\d\\dT.*Z");

        Map<String, Object> actuator = get("/actuator/health", 200);
        Map<String, Object> lanes = (Map<String, Object>) ((Map<String, Object>) actuator.get("components")).get("lanes");
        assertThat(lanes.get("status")).isEqualTo("UP");
        assertThat((Map<String, Object>) lanes.get("details")).containsKeys("reasons", "lanes", "server", "activeAlerts");

        // the server goes away: connections dropped, new ones refused
        proxy.refuseNew(true);
        proxy.dropAll();
        assertThat(Await.until(Duration.ofSeconds(30), () -> status("/lanes/health") == 503)).isTrue();
        Map<String, Object> down = get("/lanes/health", 503);
        assertThat(down.get("status")).isEqualTo("DOWN");
        assertThat((List<String>) down.get("reasons")).anySatisfy(r -> assertThat(r).startsWith("server: the health probe"));
        assertThat(Await.until(Duration.ofSeconds(30), () -> status("/actuator/health") == 503)).isTrue();

        proxy.refuseNew(false);
        assertThat(Await.until(Duration.ofSeconds(30), () -> status("/lanes/health") == 200
                && "UP".equals(get("/lanes/health", 200).get("status")))).as("UP again").isTrue();
        assertThat(Await.until(Duration.ofSeconds(30), () -> status("/actuator/health") == 200)).isTrue();
    }
}
