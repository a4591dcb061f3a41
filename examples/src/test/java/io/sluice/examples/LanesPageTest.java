package io.sluice.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.pool.AlertRule;
import io.sluice.pool.AlertSeverity;
import io.sluice.pool.LaneFigures;
import io.sluice.testing.Await;
import io.sluice.testing.PostgresFixture;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The live lanes page in a real browser (headless Chromium): while load runs and the background lane is drained,
 * the page shows what a person would look for — the lane marked drained with its rejections, the interactive lane
 * admitting, the alert raised and then cleared, a menu job's progress — without a reload.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LanesPageTest {

    TestService service;
    Chromium browser;

    @BeforeAll
    void start() {
        // an alert rule that holds after a second, so the page's alert shows within the test
        AlertRule rejections = AlertRule.atLeast("page.rejections", AlertSeverity.WARNING, LaneFigures::rejectionsPerSecond, 1)
                .sustainedFor(Duration.ofSeconds(1));
        service = new TestService(PostgresFixture.get().server(), b -> b.alert(rejections), "sluice.alert-interval=500ms",
                "meal-planner.menu-days=2", "meal-planner.meals-per-day=2");
        browser = Chromium.start();
    }

    @AfterAll
    void stop() {
        try {
            browser.close();
        } finally {
            assertThat(service.stop()).isZero();
        }
    }

    private String text(String selector) {
        return browser.eval("document.querySelector(" + quote(selector) + ")?.textContent ?? ''");
    }

    private static String quote(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    private double number(String selector) {
        String t = text(selector).strip();
        return t.isEmpty() ? -1 : Double.parseDouble(t);
    }

    private static void await(String what, BooleanSupplier condition) {
        assertThat(Await.until(Duration.ofSeconds(30), condition)).as(what).isTrue();
    }

    @Test
    void thePageShowsTheLanesLiveWhileLoadRunsAndALaneIsDrained() {
        service.client.post().uri("/recipes").bodyValue(Map.of("name", "Shakshuka", "servings", 2, "prepMinutes", 25,
                "ingredients", List.of("eggs", "tomatoes"))).exchange().expectStatus().isCreated();
        browser.headers(Map.of("Authorization", "Bearer " + TestService.ADMIN_TOKEN));
        browser.open("http://127.0.0.1:" + service.port + "/admin/lanes/page");

        await("the stream is live", () -> text("#status").equals("live"));
        await("a row per lane", () -> browser.eval("[...document.querySelectorAll('#lanes tbody tr')].map(r => r.dataset.lane).sort().join(',')")
                .equals("admin,background,interactive"));
        assertThat(text("tr[data-lane=interactive] .connections")).matches(".*\\d+ / \\d+ / 8");
        assertThat(text("tr[data-lane=background] .breaker")).isEqualTo("CLOSED");

        WebClient web = WebClient.create("http://127.0.0.1:" + service.port);
        Disposable load = Flux.interval(Duration.ofMillis(20))
                .onBackpressureDrop()
                .flatMap(i -> web.get().uri(i % 2 == 0 ? "/recipes?limit=3" : "/export").exchangeToMono(r -> r.releaseBody())
                        .onErrorResume(e -> Mono.empty()), 2)
                .subscribe();
        try {
            service.admin.post().uri("/admin/lanes/background/drain").exchange().expectStatus().is2xxSuccessful();

            await("the background lane is shown drained", () -> text("tr[data-lane=background] .name").contains("drained"));
            await("its refusals are counted", () -> number("tr[data-lane=background] .rejected") > 0);
            await("the interactive lane admits", () -> number("tr[data-lane=interactive] .admitted") > 0);
            await("the alert is raised", () -> text("#alerts").contains("Raised") && text("#alerts").contains("background"));
            assertThat(text("tr[data-lane=interactive] .name")).doesNotContain("drained");

            service.admin.post().uri("/admin/lanes/background/resume").exchange().expectStatus().isOk();
            await("drained no more", () -> !text("tr[data-lane=background] .name").contains("drained"));
        } finally {
            load.dispose();
        }
        await("the alert clears once the refusals stop", () -> text("#alerts").contains("Cleared"));

        // a menu job's progress appears on the page as it runs
        Number user = (Number) service.client.post().uri("/users").bodyValue(Map.of("email", "page@example.org", "displayName", "Page"))
                .exchange().expectStatus().isCreated().expectBody(Map.class).returnResult().getResponseBody().get("id");
        Number job = (Number) service.client.post().uri("/users/{id}/menus", user).bodyValue(Map.of()).exchange()
                .expectStatus().isAccepted().expectBody(Map.class).returnResult().getResponseBody().get("jobId");
        await("the job shows done", () -> text("#jobs").contains("Weekly menu #" + job + ": done, 4 of 4 (100%)"));
    }
}
