package io.sluice.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.Lane;
import io.sluice.RowMapper;
import io.sluice.TxOptions;
import io.sluice.examples.recipes.Recipe;
import io.sluice.pool.SluiceMeters;
import io.sluice.testing.Await;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.http.HttpStatus;
import reactor.core.Disposable;

/** A service whose interactive lane holds one unit of work and queues none: the second request is shed at once. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OverloadTest {

    TestService service;

    @BeforeAll
    void start() {
        // a long acquire timeout, so that a quick answer can only be the gate's rejection, not a wait that timed out
        service = new TestService("sluice.lanes.interactive.max-size=1", "sluice.lanes.interactive.min-idle=0",
                "sluice.lanes.interactive.max-pending-acquires=0", "sluice.lanes.interactive.acquire-timeout=10s");
    }

    @AfterAll
    void stop() {
        assertThat(service.stop()).as("connections left on the server after the service closed").isZero();
    }

    @Test
    void aFullInteractiveLaneAnswers503WithRetryAfterAtOnce() {
        Recipe recipe = service.client.post().uri("/recipes")
                .bodyValue(Map.of("name", "Porridge", "servings", 1, "prepMinutes", 5, "ingredients", List.of("oats", "milk")))
                .exchange().expectStatus().isCreated().expectBody(Recipe.class).returnResult().getResponseBody();

        // slow work takes the lane's only unit
        Disposable slow = service.db().inTransaction(Lane.INTERACTIVE, TxOptions.readOnly().withStatementTimeout(Duration.ofSeconds(30)),
                        s -> s.sql("SELECT 1 FROM pg_sleep(5)").map(RowMapper.column(Integer.class)).one())
                .subscribe(x -> { }, e -> { });
        try {
            assertThat(Await.until(Duration.ofSeconds(5), () -> service.lanes().admission(Lane.INTERACTIVE).inFlight() == 1)).isTrue();

            long start = System.nanoTime();
            service.client.get().uri("/recipes/{id}", recipe.id()).exchange()
                    .expectStatus().isEqualTo(HttpStatus.SERVICE_UNAVAILABLE)
                    .expectHeader().valueEquals("Retry-After", "1")
                    .expectBody(Problem.class).value(p -> {
                        assertThat(p.lane()).isEqualTo("interactive");
                        assertThat(p.detail()).startsWith("lane 'interactive' is overloaded");
                    });
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            // shed at once, not after the 10 s acquire timeout (the rejection itself takes microseconds; the
            // bound leaves room for an HTTP round trip on a busy machine)
            assertThat(took).isLessThan(Duration.ofSeconds(2));

            assertThat(service.context.getBean(MeterRegistry.class).get(SluiceMeters.REJECTED)
                    .tags("lane", "interactive", "reason", "overloaded").functionCounter().count()).isEqualTo(1);
        } finally {
            slow.dispose();   // cancels the statement on the server and gives the connection back
        }
        assertThat(Await.until(Duration.ofSeconds(10), () -> service.lanes().admission(Lane.INTERACTIVE).inFlight() == 0)).isTrue();
        service.client.get().uri("/recipes/{id}", recipe.id()).exchange().expectStatus().isOk();
    }
}
