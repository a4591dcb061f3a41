package io.sluice.examples.planner;

import static org.springframework.web.reactive.function.server.RequestPredicates.accept;

import io.sluice.examples.recipes.InvalidInputException;
import io.sluice.examples.recipes.NotFoundException;
import io.sluice.examples.recipes.Recipe;
import io.sluice.examples.recipes.RecipeRepository;
import java.net.URI;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.time.temporal.TemporalAdjusters;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The planner's endpoints as functional routes: each handler takes the request, composes Sluice's Monos and
 * Fluxes with the request body, and returns the response's Mono; nothing blocks and nothing is subscribed
 * here (WebFlux subscribes, with the request's deadline in the context: see {@code RequestDeadlineFilter}).
 * Failures travel as errors to {@code ApiErrorHandler}, which answers RFC 9457 problem details.
 */
@Configuration(proxyBeanMethods = false)
public class PlannerRoutes {

    static final int MAX_LIMIT = 100;

    @Bean
    RouterFunction<ServerResponse> plannerRouter(UserRepository users, RecipeRepository recipes, MenuGenerator menus) {
        return RouterFunctions.route()
                .POST("/users", req -> req.bodyToMono(UserInput.class)
                        .flatMap(in -> valid(in, true))
                        .flatMap(in -> users.register(in.email(), in.displayName()))
                        .flatMap(u -> ServerResponse.created(URI.create("/users/" + u.id())).bodyValue(u)))
                // the sign-in lookup: who is this email (a real service checks a password or a token first)
                .POST("/sign-in", req -> req.bodyToMono(UserInput.class)
                        .flatMap(in -> valid(in, false))
                        .flatMap(in -> users.signIn(in.email()))
                        .flatMap(u -> ServerResponse.ok().bodyValue(u)))
                .GET("/recipes/search", req -> {
                    String q = req.queryParam("q").map(String::strip).orElse("");
                    int limit = intParam(req, "limit", 20);
                    if (q.length() < 2 || q.length() > 100 || limit < 1 || limit > MAX_LIMIT) {
                        return Mono.error(new InvalidInputException("q must be 2 to 100 characters and limit 1 to " + MAX_LIMIT));
                    }
                    return ServerResponse.ok().body(recipes.search(q, limit), Recipe.class);
                })
                .POST("/users/{id}/menus", req -> req.bodyToMono(MenuRequest.class)
                        .defaultIfEmpty(new MenuRequest(null))
                        .flatMap(in -> menus.submit(id(req), in.week()))
                        .flatMap(p -> ServerResponse.accepted()
                                .location(URI.create("/menu-jobs/" + p.jobId()))
                                .bodyValue(links(p))))
                .GET("/menu-jobs/{id}/events", accept(MediaType.TEXT_EVENT_STREAM), req -> {
                    long id = id(req);
                    Flux<ServerSentEvent<MenuProgress>> events = menus.status(id)
                            .switchIfEmpty(Mono.error(() -> new NotFoundException("no menu job " + id)))
                            .thenMany(menus.events(id))
                            .map(p -> ServerSentEvent.builder(p).event(p.state()).id(p.jobId() + "-" + p.done()).build());
                    return ServerResponse.ok().contentType(MediaType.TEXT_EVENT_STREAM)
                            .body(events, ServerSentEvent.class);
                })
                .GET("/menu-jobs/{id}", req -> {
                    long id = id(req);
                    return menus.status(id)
                            .switchIfEmpty(Mono.error(() -> new NotFoundException("no menu job " + id)))
                            .flatMap(p -> (p.state().equals("done") ? menus.items(id).collectList() : Mono.just(List.<Map<String, Object>>of()))
                                    .map(items -> {
                                        Map<String, Object> body = links(p);
                                        body.put("items", items);
                                        return body;
                                    }))
                            .flatMap(body -> ServerResponse.ok().bodyValue(body));
                })
                .build();
    }

    /** The body of {@code POST /users/{id}/menus}: the week's Monday (default: next Monday). */
    public record MenuRequest(@Nullable String weekStart) {
        LocalDate week() {
            if (weekStart == null) {
                return LocalDate.now().with(TemporalAdjusters.next(DayOfWeek.MONDAY));
            }
            try {
                return LocalDate.parse(weekStart);
            } catch (DateTimeParseException e) {
                throw new InvalidInputException("weekStart must be a date such as 2026-12-07, was '" + weekStart + "'");
            }
        }
    }

    private static Map<String, Object> links(MenuProgress p) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("jobId", p.jobId());
        body.put("userId", p.userId());
        body.put("state", p.state());
        body.put("done", p.done());
        body.put("total", p.total());
        if (p.error() != null) {
            body.put("error", p.error());
        }
        body.put("status", "/menu-jobs/" + p.jobId());
        body.put("events", "/menu-jobs/" + p.jobId() + "/events");
        return body;
    }

    private static Mono<UserInput> valid(UserInput in, boolean needsName) {
        List<String> problems = in.problems(needsName);
        return problems.isEmpty() ? Mono.just(in) : Mono.error(new InvalidInputException("invalid user", problems));
    }

    static long id(ServerRequest req) {
        String id = req.pathVariable("id");
        try {
            return Long.parseLong(id);
        } catch (NumberFormatException e) {
            throw new InvalidInputException("id must be a number, was '" + id + "'");
        }
    }

    private static int intParam(ServerRequest req, String name, int dflt) {
        String v = req.queryParam(name).orElse(null);
        if (v == null) {
            return dflt;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new InvalidInputException(name + " must be a number, was '" + v + "'");
        }
    }
}
