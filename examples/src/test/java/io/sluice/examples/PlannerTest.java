package io.sluice.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.Lane;
import io.sluice.examples.planner.User;
import io.sluice.examples.recipes.Rating;
import io.sluice.examples.recipes.Recipe;
import io.sluice.testing.Await;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;

/** The planner's functional routes, the maintenance routes and the credential, over HTTP against a real PostgreSQL. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PlannerTest {

    private static final AtomicInteger N = new AtomicInteger();
    private static final ParameterizedTypeReference<Map<String, Object>> JSON = new ParameterizedTypeReference<>() { };

    TestService service;

    @BeforeAll
    void start() {
        service = new TestService("meal-planner.menu-days=3", "meal-planner.meals-per-day=2");
        for (int i = 0; i < 8; i++) {
            recipe("Soup " + i + " " + N.incrementAndGet(), List.of("leek", i % 2 == 0 ? "potato" : "barley"));
        }
    }

    @AfterAll
    void stop() {
        assertThat(service.stop()).as("connections left after the service closed").isZero();
    }

    Recipe recipe(String name, List<String> ingredients) {
        return service.client.post().uri("/recipes")
                .bodyValue(Map.of("name", name, "servings", 2, "prepMinutes", 20, "ingredients", ingredients))
                .exchange().expectStatus().isCreated().expectBody(Recipe.class).returnResult().getResponseBody();
    }

    int count(String sql) {
        Integer n = service.pg.queryOne(sql, x -> x.get(0, Integer.class));
        return n == null ? 0 : n;
    }

    User user() {
        int n = N.incrementAndGet();
        return service.client.post().uri("/users").bodyValue(Map.of("email", "cook" + n + "@example.org", "displayName", "Cook " + n))
                .exchange().expectStatus().isCreated().expectBody(User.class).returnResult().getResponseBody();
    }

    @Test
    void signInFindsTheUserByEmailIgnoringCase() {
        User u = user();
        User signedIn = service.client.post().uri("/sign-in").bodyValue(Map.of("email", u.email().toUpperCase()))
                .exchange().expectStatus().isOk().expectBody(User.class).returnResult().getResponseBody();
        assertThat(signedIn.id()).isEqualTo(u.id());
        assertThat(signedIn.lastSignInAt()).isNotNull();
        service.client.post().uri("/sign-in").bodyValue(Map.of("email", "nobody@example.org")).exchange()
                .expectStatus().isNotFound().expectBody(Problem.class).value(p -> assertThat(p.detail()).isEqualTo("no user with that email"));
        service.client.post().uri("/users").bodyValue(Map.of("email", u.email(), "displayName", "Again")).exchange()
                .expectStatus().isEqualTo(HttpStatus.CONFLICT);
        service.client.post().uri("/sign-in").bodyValue(Map.of("email", "not an address")).exchange()
                .expectStatus().isBadRequest().expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON);
    }

    @Test
    void searchFindsByNameOrIngredient() {
        Recipe r = recipe("Saffron risotto " + N.incrementAndGet(), List.of("arborio", "saffron"));
        List<Recipe> byIngredient = service.client.get().uri("/recipes/search?q=ARBORIO").exchange()
                .expectStatus().isOk().expectBodyList(Recipe.class).returnResult().getResponseBody();
        assertThat(byIngredient).extracting(Recipe::id).contains(r.id());
        assertThat(service.client.get().uri("/recipes/search?q=100%25").exchange().expectStatus().isOk()
                .expectBodyList(Recipe.class).returnResult().getResponseBody()).as("% is a character, not a wildcard").isEmpty();
        service.client.get().uri("/recipes/search?q=x").exchange().expectStatus().isBadRequest();
    }

    @Test
    void aRetriedRatingWithTheSameKeyCountsOnce() {
        Recipe r = recipe("Ribollita " + N.incrementAndGet(), List.of("bread", "kale"));
        String key = UUID.randomUUID().toString();
        Rating first = service.client.post().uri("/recipes/{id}/ratings", r.id()).header("Idempotency-Key", key)
                .bodyValue(Map.of("stars", 4)).exchange().expectStatus().isCreated().expectBody(Rating.class).returnResult().getResponseBody();
        Rating again = service.client.post().uri("/recipes/{id}/ratings", r.id()).header("Idempotency-Key", key)
                .bodyValue(Map.of("stars", 4)).exchange().expectStatus().isOk().expectBody(Rating.class).returnResult().getResponseBody();
        assertThat(again.id()).isEqualTo(first.id());
        assertThat(again.recipeRatingCount()).isEqualTo(1);
        assertThat(count("SELECT rating_count FROM " + service.schema + ".recipe WHERE id = " + r.id())).isEqualTo(1);
        service.client.post().uri("/recipes/{id}/ratings", r.id()).header("Idempotency-Key", key)
                .bodyValue(Map.of("stars", 2)).exchange().expectStatus().isEqualTo(HttpStatus.CONFLICT);
        service.client.post().uri("/recipes/{id}/ratings", Long.MAX_VALUE).header("Idempotency-Key", UUID.randomUUID().toString())
                .bodyValue(Map.of("stars", 2)).exchange().expectStatus().isNotFound();
        service.client.post().uri("/recipes/{id}/ratings", r.id()).bodyValue(Map.of("stars", 2, "userId", Long.MAX_VALUE)).exchange()
                .expectStatus().isNotFound().expectBody(Problem.class).value(p -> assertThat(p.detail()).isEqualTo("no user " + Long.MAX_VALUE));
        User u = user();
        service.client.post().uri("/recipes/{id}/ratings", r.id()).bodyValue(Map.of("stars", 5, "userId", u.id())).exchange()
                .expectStatus().isCreated();
    }

    @Test
    void aMenuIsGeneratedInTheBackgroundWithProgressAsServerSentEvents() {
        User u = user();
        Map<String, Object> accepted = service.client.post().uri("/users/{id}/menus", u.id())
                .bodyValue(Map.of("weekStart", "2026-12-07")).exchange()
                .expectStatus().isAccepted()
                .expectHeader().valueMatches("Location", "/menu-jobs/\\d+")
                .expectBody(JSON).returnResult().getResponseBody();
        Number jobId = (Number) accepted.get("jobId");
        assertThat(accepted.get("total")).isEqualTo(6);

        List<ServerSentEvent<Map<String, Object>>> events = service.client.get().uri("/menu-jobs/{id}/events", jobId)
                .accept(MediaType.TEXT_EVENT_STREAM).exchange().expectStatus().isOk()
                .returnResult(new ParameterizedTypeReference<ServerSentEvent<Map<String, Object>>>() { })
                .getResponseBody().collectList().block(Duration.ofSeconds(20));
        assertThat(events).isNotEmpty();
        assertThat(events.get(events.size() - 1).event()).isEqualTo("done");
        assertThat(events.get(events.size() - 1).data()).containsEntry("done", 6);

        Map<String, Object> status = service.client.get().uri("/menu-jobs/{id}", jobId).exchange()
                .expectStatus().isOk().expectBody(JSON).returnResult().getResponseBody();
        assertThat(status).containsEntry("state", "done");
        assertThat((List<?>) status.get("items")).hasSize(6);

        service.client.post().uri("/users/{id}/menus", Long.MAX_VALUE).bodyValue(Map.of()).exchange().expectStatus().isNotFound();
        service.client.get().uri("/menu-jobs/{id}", Long.MAX_VALUE).exchange().expectStatus().isNotFound();
        service.client.get().uri("/menu-jobs/abc").exchange().expectStatus().isBadRequest();
    }

    @Test
    void theNightlyAggregationCountsEachRatingOnce() {
        User u = user();
        Recipe r = recipe("Pho " + N.incrementAndGet(), List.of("noodles"));
        service.pg.execute("INSERT INTO " + service.schema + ".rating (recipe_id, user_id, stars) SELECT " + r.id() + ", " + u.id()
                + ", 1 + g % 5 FROM generate_series(1, 1200) g");
        service.admin.post().uri("/admin/aggregation").exchange().expectStatus().isAccepted();
        assertThat(Await.until(Duration.ofSeconds(30), () -> !Boolean.TRUE.equals(
                service.admin.get().uri("/admin/aggregation").exchange().expectBody(JSON).returnResult().getResponseBody().get("running"))))
                .isTrue();
        assertThat(count("SELECT ratings FROM " + service.schema + ".recipe_daily_stats WHERE recipe_id = " + r.id())).isEqualTo(1200);
        assertThat(count("SELECT sum(ratings)::int FROM " + service.schema + ".user_daily_activity WHERE user_id = " + u.id())).isEqualTo(1200);
        // a second run finds nothing left
        service.admin.post().uri("/admin/aggregation").exchange().expectStatus().isAccepted();
        assertThat(Await.until(Duration.ofSeconds(30), () -> !Boolean.TRUE.equals(
                service.admin.get().uri("/admin/aggregation").exchange().expectBody(JSON).returnResult().getResponseBody().get("running"))))
                .isTrue();
        assertThat(count("SELECT ratings FROM " + service.schema + ".recipe_daily_stats WHERE recipe_id = " + r.id())).isEqualTo(1200);
    }

    @Test
    void nothingAdministrativeAnswersWithoutTheCredential() {
        for (String path : List.of("/lanes", "/lanes/health", "/admin/aggregation", "/admin/lanes/page", "/actuator/metrics",
                "/actuator/prometheus")) {
            service.client.get().uri(path).exchange().expectStatus().isUnauthorized();
        }
        service.client.post().uri("/admin/lanes/background/drain").exchange().expectStatus().isUnauthorized();
        service.client.post().uri("/admin/lanes/background/drain").header("Authorization", "Bearer wrong-token-0123456789")
                .exchange().expectStatus().isUnauthorized();
        service.client.get().uri("/actuator/health/liveness").exchange().expectStatus().isOk();
        service.client.get().uri("/actuator/health/readiness").exchange().expectStatus().isOk();
        String basic = java.util.Base64.getEncoder().encodeToString(("ops:" + TestService.ADMIN_TOKEN).getBytes());
        service.client.get().uri("/lanes").header("Authorization", "Basic " + basic).exchange().expectStatus().isOk();
    }

    @Test
    void prometheusScrapesSluicesMeters() {
        service.client.get().uri("/recipes?limit=1").exchange().expectStatus().isOk();
        String scrape = service.admin.get().uri("/actuator/prometheus").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(scrape).contains("sluice_lane_admitted_total{").contains("lane=\"interactive\"")
                .contains("db_client_connection_max");
    }

    @Test
    void aDrainedLaneAnswers503UntilResumedAndResizeAndRefreshApply() {
        Map<String, Object> drained = service.admin.post().uri("/admin/lanes/background/drain").exchange()
                .expectStatus().isOk().expectBody(JSON).returnResult().getResponseBody();
        assertThat(drained).containsEntry("drained", true);
        try {
            service.client.get().uri("/export").exchange().expectStatus().isEqualTo(HttpStatus.SERVICE_UNAVAILABLE)
                    .expectBody(Problem.class).value(p -> assertThat(p.detail()).isEqualTo("lane 'background' is drained for maintenance; try again later"));
            // the interactive lane serves on
            service.client.get().uri("/recipes?limit=1").exchange().expectStatus().isOk();
        } finally {
            service.admin.post().uri("/admin/lanes/background/resume").exchange().expectStatus().isOk();
        }
        service.client.get().uri("/export").exchange().expectStatus().isOk();

        service.admin.post().uri("/admin/lanes/background/resize").bodyValue(Map.of("maxSize", 1, "maxQueue", 3)).exchange()
                .expectStatus().isOk();
        assertThat(service.lanes().admission(Lane.BACKGROUND).maxQueue()).isEqualTo(3);
        service.admin.post().uri("/admin/lanes/background/resize").bodyValue(Map.of("maxSize", 0)).exchange()
                .expectStatus().isBadRequest().expectBody(Problem.class).value(p -> assertThat(p.detail()).contains("maxSize"));
        service.admin.post().uri("/admin/lanes/background/resize").bodyValue(Map.of("maxSize", 2)).exchange().expectStatus().isOk();
        service.admin.post().uri("/admin/lanes/interactive/refresh").exchange().expectStatus().isOk();
        service.admin.post().uri("/admin/lanes/nope/drain").exchange().expectStatus().isNotFound();
        service.admin.post().uri("/admin/lanes/Bad%20Name/drain").exchange().expectStatus().isNotFound();
    }

}
