package io.sluice.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.Lane;
import io.sluice.RowMapper;
import io.sluice.examples.recipes.Rating;
import io.sluice.examples.recipes.Recipe;
import io.sluice.examples.web.LanesController.LaneView;
import io.sluice.examples.web.RequestDeadlineFilter;
import io.sluice.testing.Await;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

/** The service over HTTP against a real PostgreSQL: one running service for every test here. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MealPlannerApplicationTest {

    private static final AtomicInteger NAMES = new AtomicInteger();

    TestService service;
    WebTestClient client;

    @BeforeAll
    void start() {
        service = new TestService();
        client = service.client;
    }

    @AfterAll
    void stop() {
        int left = service.stop();
        assertThat(left).as("connections of %s-* left on the server after the service closed", service.applicationName).isZero();
    }

    Map<String, Object> recipeBody(String name) {
        return Map.of("name", name, "servings", 4, "prepMinutes", 30,
                "ingredients", List.of("lentils", "onion", "cumin"), "instructions", "Simmer for 25 minutes.");
    }

    Recipe create() {
        return client.post().uri("/recipes").bodyValue(recipeBody("Dal " + NAMES.incrementAndGet()))
                .exchange().expectStatus().isCreated().expectBody(Recipe.class).returnResult().getResponseBody();
    }

    int ratingsStored(long recipeId) {
        return service.pg.queryOne("SELECT count(*)::int FROM " + service.schema + ".rating WHERE recipe_id = " + recipeId,
                r -> r.get(0, Integer.class));
    }

    @Nested
    class Recipes {

        @Test
        void createdRecipeCanBeReadBack() {
            Recipe created = client.post().uri("/recipes").bodyValue(recipeBody("Red lentil dal"))
                    .exchange()
                    .expectStatus().isCreated()
                    .expectHeader().valueMatches("Location", "/recipes/\\d+")
                    .expectBody(Recipe.class).returnResult().getResponseBody();
            assertThat(created.name()).isEqualTo("Red lentil dal");
            assertThat(created.ingredients()).containsExactly("lentils", "onion", "cumin");
            assertThat(created.ratingCount()).isZero();
            assertThat(created.averageRating()).isNull();

            client.get().uri("/recipes/{id}", created.id()).exchange()
                    .expectStatus().isOk()
                    .expectBody(Recipe.class).isEqualTo(created);
        }

        @Test
        void unknownRecipeIs404() {
            client.get().uri("/recipes/{id}", Long.MAX_VALUE).exchange()
                    .expectStatus().isNotFound()
                    .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                    .expectBody(Problem.class).value(p -> assertThat(p.detail()).isEqualTo("no recipe with id " + Long.MAX_VALUE));
        }

        @Test
        void invalidRecipeIs400WithEveryProblem() {
            client.post().uri("/recipes").bodyValue(Map.of("name", " ", "servings", 0, "ingredients", List.of()))
                    .exchange()
                    .expectStatus().isBadRequest()
                    .expectBody(Problem.class).value(p -> {
                        assertThat(p.problems()).containsExactly("name is required", "servings must be between 1 and 100",
                                "prepMinutes is required", "ingredients must list at least one ingredient");
                        assertThat(p.detail()).startsWith("invalid recipe: name is required; servings");
                    });
        }

        @Test
        void unreadableInputIs400() {
            client.post().uri("/recipes").contentType(MediaType.APPLICATION_JSON).bodyValue("{\"name\": \"x\", \"servings\": \"many\"}")
                    .exchange()
                    .expectStatus().isBadRequest()
                    .expectBody(Problem.class).value(p -> assertThat(p.detail())
                            .startsWith("the request body is not valid JSON for this endpoint").contains("many"));
            client.get().uri("/recipes/abc").exchange()
                    .expectStatus().isBadRequest()
                    .expectBody(Problem.class).value(p -> assertThat(p.detail()).isEqualTo("id must be a long, was 'abc'"));
            client.get().uri("/recipes?limit=1000").exchange()
                    .expectStatus().isBadRequest()
                    .expectBody(Problem.class).value(p -> assertThat(p.detail())
                            .isEqualTo("invalid request: limit must be between 1 and 100, was 1000"));
        }

        @Test
        void sameNameTwiceIs409() {
            client.post().uri("/recipes").bodyValue(recipeBody("Minestrone")).exchange().expectStatus().isCreated();
            client.post().uri("/recipes").bodyValue(recipeBody("MINESTRONE")).exchange()
                    .expectStatus().isEqualTo(HttpStatus.CONFLICT)
                    .expectBody(Problem.class).value(p -> assertThat(p.detail()).isEqualTo("a recipe named 'MINESTRONE' exists already"));
        }

        @Test
        void listsTheNewestFirst() {
            Recipe older = create();
            Recipe newer = create();
            List<Recipe> newest = client.get().uri("/recipes?limit=2").exchange()
                    .expectStatus().isOk()
                    .expectBodyList(Recipe.class).returnResult().getResponseBody();
            assertThat(newest).extracting(Recipe::id).containsExactly(newer.id(), older.id());
        }
    }

    @Nested
    class Ratings {

        @Test
        void ratingStoresTheRatingAndUpdatesTheAggregateInOneTransaction() {
            Recipe recipe = create();
            Rating first = client.post().uri("/recipes/{id}/ratings", recipe.id()).bodyValue(Map.of("stars", 5, "comment", "lovely"))
                    .exchange().expectStatus().isCreated().expectBody(Rating.class).returnResult().getResponseBody();
            assertThat(first.recipeRatingCount()).isEqualTo(1);
            Rating second = client.post().uri("/recipes/{id}/ratings", recipe.id()).bodyValue(Map.of("stars", 2))
                    .exchange().expectStatus().isCreated().expectBody(Rating.class).returnResult().getResponseBody();
            assertThat(second.recipeRatingCount()).isEqualTo(2);
            assertThat(second.recipeAverageRating()).isEqualTo(3.5);
            assertThat(second.comment()).isNull();

            client.get().uri("/recipes/{id}", recipe.id()).exchange()
                    .expectBody(Recipe.class).value(r -> {
                        assertThat(r.ratingCount()).isEqualTo(2);
                        assertThat(r.averageRating()).isEqualTo(3.5);
                    });
            assertThat(ratingsStored(recipe.id())).isEqualTo(2);
        }

        @Test
        void ratingAnUnknownRecipeIs404AndStoresNothing() {
            client.post().uri("/recipes/{id}/ratings", 987_654_321L).bodyValue(Map.of("stars", 4)).exchange()
                    .expectStatus().isNotFound();
            assertThat(ratingsStored(987_654_321L)).isZero();
        }

        @Test
        void invalidRatingIs400() {
            Recipe recipe = create();
            client.post().uri("/recipes/{id}/ratings", recipe.id()).bodyValue(Map.of("stars", 6)).exchange()
                    .expectStatus().isBadRequest()
                    .expectBody(Problem.class).value(p -> assertThat(p.detail()).isEqualTo("invalid rating: stars must be between 1 and 5"));
        }
    }

    @Nested
    class Deadlines {

        /**
         * The recipe's row is locked by other work, so rating it waits. The request's 300 ms deadline
         * becomes the transaction's statement_timeout (it is smaller than the lane's 2 s and the
         * transaction's 1 s lock_timeout): 504 well before either, and the transaction rolled back.
         */
        @Test
        void aTinyRequestTimeoutEndsTheTransactionWith504() {
            Recipe recipe = create();
            Sinks.Empty<Void> release = Sinks.empty();
            Sinks.Empty<Void> locked = Sinks.empty();
            // maintenance work on the admin lane holds the row's lock until released
            Disposable holder = service.db().inTransaction(Lane.ADMIN, s -> s.sql("SELECT id FROM recipe WHERE id = $1 FOR UPDATE")
                            .bind(1, recipe.id()).map(RowMapper.column(Long.class)).one()
                            .doOnNext(id -> locked.tryEmitEmpty())
                            .then(release.asMono()))
                    .subscribe();
            try {
                locked.asMono().block(Duration.ofSeconds(10));
                long start = System.nanoTime();
                client.post().uri("/recipes/{id}/ratings", recipe.id())
                        .header(RequestDeadlineFilter.HEADER, "300ms")
                        .bodyValue(Map.of("stars", 1))
                        .exchange()
                        .expectStatus().isEqualTo(HttpStatus.GATEWAY_TIMEOUT)
                        .expectBody(Problem.class).value(p -> assertThat(p.lane()).isEqualTo("interactive"));
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                // 504, not the lock timeout's 503 after 1 s, and sooner than the lane's 2 s statement timeout
                assertThat(took).isLessThan(Duration.ofSeconds(2));
            } finally {
                release.tryEmitEmpty();
            }
            assertThat(Await.until(Duration.ofSeconds(5), holder::isDisposed)).isTrue();
            assertThat(ratingsStored(recipe.id())).isZero();
            client.get().uri("/recipes/{id}", recipe.id()).exchange()
                    .expectBody(Recipe.class).value(r -> assertThat(r.ratingCount()).isZero());
            assertThat(Await.until(Duration.ofSeconds(5),
                    () -> service.lanes().snapshot(Lane.INTERACTIVE).acquired() == 0)).as("interactive connection released").isTrue();
        }

        @Test
        void aMalformedRequestTimeoutIs400() {
            client.get().uri("/recipes/1").header(RequestDeadlineFilter.HEADER, "soon").exchange()
                    .expectStatus().isBadRequest()
                    .expectBody(Problem.class).value(p -> assertThat(p.detail()).contains("X-Request-Timeout"));
        }
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class Export {

        static final int ROWS = 3_000;

        @BeforeAll
        void manyRecipes() {
            // ~2 KB of instructions each: ~6 MB of NDJSON, more than the sockets buffer, so a client that
            // stops reading really stops the stream
            service.pg.execute("INSERT INTO " + service.schema + ".recipe (name, servings, prep_minutes, ingredients, instructions) "
                    + "SELECT 'Export ' || g, 2, 10, ARRAY['flour', 'water'], repeat('Knead and rest. ', 128) "
                    + "FROM generate_series(1, " + ROWS + ") g");
        }

        @Test
        void exportStreamsEveryRecipeInOrder() {
            long total = service.pg.queryOne("SELECT count(*) FROM " + service.schema + ".recipe", r -> r.get(0, Long.class));
            List<Long> ids = client.get().uri("/export").exchange()
                    .expectStatus().isOk()
                    .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_NDJSON)
                    .returnResult(Recipe.class).getResponseBody()
                    .map(Recipe::id)
                    .collectList()
                    .block(Duration.ofSeconds(30));
            assertThat(ids).hasSize((int) total).isSorted().doesNotHaveDuplicates();
            assertThat(total).isGreaterThanOrEqualTo(ROWS);
        }

        @Test
        void aClientThatStopsReadingPausesTheQueryAndOneThatLeavesReleasesTheConnection() {
            var body = client.get().uri("/export").exchange()
                    .expectStatus().isOk()
                    .returnResult(Recipe.class).getResponseBody();
            StepVerifier.create(body, 10)
                    .expectNextCount(10)
                    .then(() -> {
                        // the client asked for 10 and reads no more: the export waits, its connection still held
                        Mono.delay(Duration.ofMillis(500)).block();
                        assertThat(service.lanes().snapshot(Lane.BACKGROUND).acquired()).isEqualTo(1);
                    })
                    .thenCancel()   // the client goes away
                    .verify(Duration.ofSeconds(20));
            assertThat(Await.until(Duration.ofSeconds(10),
                    () -> service.lanes().snapshot(Lane.BACKGROUND).acquired() == 0))
                    .as("background connection back in its pool after the client left").isTrue();
            assertThat(service.pg.busyBackends(service.applicationName + "-background"))
                    .as("no statement left running on the server").isZero();
        }
    }

    record Metric(String name, List<Measurement> measurements) {
        record Measurement(String statistic, double value) {
        }
    }

    @Nested
    class Operations {

        @Test
        void lanesShowEachLanesPoolAndAdmission() {
            Map<String, LaneView> lanes = service.admin.get().uri("/lanes").exchange()
                    .expectStatus().isOk()
                    .expectBody(new ParameterizedTypeReference<Map<String, LaneView>>() { })
                    .returnResult().getResponseBody();
            assertThat(lanes).containsOnlyKeys("interactive", "background", "admin");
            LaneView interactive = lanes.get("interactive");
            assertThat(interactive.pool().maxSize()).isEqualTo(8);
            assertThat(interactive.admission().limit()).isEqualTo(8);
            assertThat(interactive.admission().maxQueue()).isEqualTo(128);        // the default bound (max(64, 16 x 8)); predictive shedding sheds first
            assertThat(interactive.admission().breakerState()).isEqualTo("CLOSED");
            assertThat(interactive.applicationName()).isEqualTo(service.applicationName + "-interactive");
            assertThat(interactive.statementTimeoutMs()).isEqualTo(2000);
            assertThat(lanes.get("background").pool().maxSize()).isEqualTo(2);
            assertThat(lanes.get("admin").pool().maxSize()).isEqualTo(1);
        }

        @Test
        void sluiceMetersAreUnderActuatorMetrics() {
            create();
            service.admin.get().uri("/actuator/metrics/sluice.lane.admitted?tag=lane:interactive").exchange()
                    .expectStatus().isOk()
                    .expectBody(Metric.class).value(m -> assertThat(m.measurements().get(0).value()).isPositive());
            service.admin.get().uri("/actuator/metrics/db.client.connection.max?tag=db.client.connection.pool.name:background").exchange()
                    .expectStatus().isOk()
                    .expectBody(Metric.class).value(m -> assertThat(m.measurements().get(0).value()).isEqualTo(2.0));
        }
    }
}
