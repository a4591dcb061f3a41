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
        service = new TestService(through, "sluice.health-probe-interval=200ms");
    }

    @AfterAll
    void stop() {
        proxy.passThrough();
        int left = service.stop();
        proxy.close();
        assertThat(left).isZero();
    }

    private Map<String, Object> get(String uri, int status) {
        return service.admin.get().uri(uri).exchange().expectStatus().isEqualTo(status)
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { }).returnResult().getResponseBody();
    }

    private int status(String uri) {
        return service.admin.get().uri(uri).exchange().returnResult(String.class).getStatus().value();
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

        // /actuator/health is public: statuses (the starter's lanes component among them), no figures
        Map<String, Object> actuator = service.client.get().uri("/actuator/health").exchange().expectStatus().isOk()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { }).returnResult().getResponseBody();
        assertThat(actuator).containsEntry("status", "UP");
        Map<String, Object> lanes = (Map<String, Object>) ((Map<String, Object>) actuator.get("components")).get("lanes");
        assertThat(lanes).containsEntry("status", "UP").doesNotContainKey("details");
        // the lanes' internals need the credential
        service.client.get().uri("/lanes/health").exchange().expectStatus().isUnauthorized()
                .expectHeader().valueMatches("WWW-Authenticate", "Basic realm=.*");
        service.client.get().uri("/actuator/metrics").exchange().expectStatus().isUnauthorized();

        // the server goes away: connections dropped, new ones refused
        proxy.refuseNew(true);
        proxy.dropAll();
        assertThat(Await.until(Duration.ofSeconds(30), () -> status("/lanes/health") == 503)).isTrue();
        Map<String, Object> down = get("/lanes/health", 503);
        assertThat(down.get("status")).isEqualTo("DOWN");
        assertThat((List<String>) down.get("reasons")).anySatisfy(r -> assertThat(r).startsWith("server: the health probe"));
        assertThat(Await.until(Duration.ofSeconds(30), () -> status("/actuator/health") == 503)).isTrue();
        // a user's request meanwhile: 503 as a problem detail that names no host, database or role
        var answer = service.client.get().uri("/recipes/1").exchange().expectBody(String.class).returnResult();
        assertThat(answer.getStatus().value()).as("unavailable, or the deadline passed while retrying").isIn(503, 504);
        assertThat(answer.getResponseHeaders().getContentType()).hasToString("application/problem+json");
        String body = answer.getResponseBody();
        assertThat(body).contains("\"detail\"").doesNotContain(proxy.host()).doesNotContain(String.valueOf(proxy.port()))
                .doesNotContain(PostgresFixture.get().server().user()).doesNotContain(PostgresFixture.get().server().database());
        assertThat(service.client.get().uri("/actuator/health").exchange().returnResult(String.class).getStatus().value())
                .as("anonymous health: DOWN is 503 too").isEqualTo(503);
        assertThat(service.client.get().uri("/actuator/health/readiness").exchange().returnResult(String.class).getStatus().value())
                .as("not ready while the lanes are DOWN").isEqualTo(503);
        assertThat(service.client.get().uri("/actuator/health/liveness").exchange().returnResult(String.class).getStatus().value())
                .as("but alive").isEqualTo(200);

        proxy.refuseNew(false);
        assertThat(Await.until(Duration.ofSeconds(30), () -> status("/lanes/health") == 200
                && "UP".equals(get("/lanes/health", 200).get("status")))).as("UP again").isTrue();
        assertThat(Await.until(Duration.ofSeconds(30), () -> status("/actuator/health") == 200)).isTrue();
    }
}
