package io.sluice.examples.admin;

import io.sluice.ConfigurationException;
import io.sluice.Lane;
import io.sluice.examples.planner.NightlyAggregation;
import io.sluice.examples.recipes.InvalidInputException;
import io.sluice.examples.recipes.NotFoundException;
import io.sluice.pool.LaneResize;
import io.sluice.pool.Lanes;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ClassPathResource;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * Maintenance, behind the admin credential ({@link AdminAccessFilter}): drain, resume, resize and refresh a
 * lane (Sluice's runtime control on {@link Lanes}), run the nightly aggregation now, and the lanes page with its
 * event stream. Each answers the lane's state after the change.
 */
@Configuration(proxyBeanMethods = false)
public class AdminRoutes {

    /** How long {@code POST /admin/lanes/{lane}/drain} waits for the lane's work in flight to finish before answering 202. */
    static final Duration DRAIN_WAIT = Duration.ofSeconds(10);

    /** The body of a resize: any of the three; what is left out stays. */
    public record Resize(@Nullable Integer maxSize, @Nullable Integer admissionLimit, @Nullable Integer maxQueue) {
    }

    @Bean
    RouterFunction<ServerResponse> adminRouter(Lanes lanes, NightlyAggregation aggregation, LaneBoard board) {
        return RouterFunctions.route()
                .GET("/admin/lanes/page", req -> ServerResponse.ok().contentType(MediaType.TEXT_HTML)
                        .bodyValue(new ClassPathResource("admin/lanes.html")))
                .GET("/admin/lanes/events", req -> ServerResponse.ok().contentType(MediaType.TEXT_EVENT_STREAM)
                        .body(board.events(Duration.ofSeconds(1)), ServerSentEvent.class))
                // drained: new work is refused at once (503); work in flight finishes. 200 once none is left, 202 if some still runs
                .POST("/admin/lanes/{lane}/drain", req -> {
                    Lane lane = lane(req);
                    return lanes.drain(lane).then(Mono.just(true)).timeout(DRAIN_WAIT, Mono.just(false))
                            .flatMap(idle -> (idle ? ServerResponse.ok() : ServerResponse.accepted()).bodyValue(state(lanes, lane)));
                })
                .POST("/admin/lanes/{lane}/resume", req -> {
                    Lane lane = lane(req);
                    lanes.resume(lane);
                    return ServerResponse.ok().bodyValue(state(lanes, lane));
                })
                .POST("/admin/lanes/{lane}/resize", req -> {
                    Lane lane = lane(req);
                    return req.bodyToMono(Resize.class)
                            .switchIfEmpty(Mono.error(() -> new InvalidInputException("a resize needs a body: maxSize, admissionLimit, maxQueue")))
                            .flatMap(r -> lanes.resize(lane, resize(r)))
                            .onErrorMap(ConfigurationException.class, e -> new InvalidInputException(e.getMessage()))
                            .then(Mono.defer(() -> ServerResponse.ok().bodyValue(state(lanes, lane))));
                })
                // every connection replaced (e.g. after a credential rotation); answers once they all were
                .POST("/admin/lanes/{lane}/refresh", req -> {
                    Lane lane = lane(req);
                    return lanes.refresh(lane).then(Mono.defer(() -> ServerResponse.ok().bodyValue(state(lanes, lane))));
                })
                .POST("/admin/aggregation", req -> {
                    boolean started = aggregation.trigger();
                    return ServerResponse.accepted().bodyValue(Map.of("started", started, "running", aggregation.running()));
                })
                .GET("/admin/aggregation", req -> {
                    Map<String, Object> body = new LinkedHashMap<>();
                    body.put("running", aggregation.running());
                    body.put("lastReport", aggregation.lastReport());
                    body.put("progress", aggregation.lastProgress());
                    return ServerResponse.ok().bodyValue(body);
                })
                .build();
    }

    private static LaneResize resize(Resize r) {
        try {
            LaneResize resize = LaneResize.sizes();
            if (r.maxSize() != null) {
                resize = resize.withMaxSize(r.maxSize());
            }
            if (r.admissionLimit() != null) {
                resize = resize.admissionLimit(r.admissionLimit());
            }
            if (r.maxQueue() != null) {
                resize = resize.maxQueue(r.maxQueue());
            }
            return resize;
        } catch (ConfigurationException e) {
            throw new InvalidInputException(e.getMessage());
        }
    }

    private static Lane lane(ServerRequest req) {
        String name = req.pathVariable("lane");
        try {
            return Lane.of(name);
        } catch (IllegalArgumentException e) {
            throw new NotFoundException("no such lane");
        }
    }

    private static Map<String, Object> state(Lanes lanes, Lane lane) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("lane", lane.name());
        m.put("drained", lanes.isDraining(lane));
        m.put("maxSize", lanes.figures(lane).maxSize());
        m.put("admission", lanes.admission(lane));
        m.put("pool", lanes.snapshot(lane));
        return m;
    }
}
