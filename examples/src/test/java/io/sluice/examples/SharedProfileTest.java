package io.sluice.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.examples.planner.User;
import io.sluice.testing.PostgresFixture;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;

/** The {@code shared} profile: every kind of work on one lane of the three lanes' total size, for load-tests' comparison. */
class SharedProfileTest {

    @Test
    void everyKindOfWorkRunsOnOneSharedLane() {
        TestService service = new TestService(PostgresFixture.get().server(), "spring.profiles.active=shared",
                "sluice.lanes.shared.min-idle=0", "meal-planner.menu-days=1", "meal-planner.meals-per-day=1");
        try {
            assertThat(service.lanes().lanes()).containsExactly(PlannerLanes.SHARED);
            assertThat(service.lanes().config(PlannerLanes.SHARED).maxSize()).isEqualTo(12);
            service.client.post().uri("/recipes").bodyValue(Map.of("name", "Congee", "servings", 2, "prepMinutes", 60,
                    "ingredients", List.of("rice"))).exchange().expectStatus().isCreated();
            User u = service.client.post().uri("/users").bodyValue(Map.of("email", "shared@example.org", "displayName", "S"))
                    .exchange().expectStatus().isCreated().expectBody(User.class).returnResult().getResponseBody();
            Number job = (Number) service.client.post().uri("/users/{id}/menus", u.id()).bodyValue(Map.of()).exchange()
                    .expectStatus().isAccepted().expectBody(Map.class).returnResult().getResponseBody().get("jobId");
            List<ServerSentEvent<Map<String, Object>>> events = service.client.get().uri("/menu-jobs/{id}/events", job)
                    .accept(MediaType.TEXT_EVENT_STREAM).exchange().expectStatus().isOk()
                    .returnResult(new ParameterizedTypeReference<ServerSentEvent<Map<String, Object>>>() { })
                    .getResponseBody().collectList().block(Duration.ofSeconds(20));
            assertThat(events.get(events.size() - 1).event()).isEqualTo("done");
            service.client.get().uri("/export").exchange().expectStatus().isOk();
        } finally {
            assertThat(service.stop()).isZero();
        }
    }
}
