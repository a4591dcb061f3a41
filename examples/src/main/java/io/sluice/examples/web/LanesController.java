package io.sluice.examples.web;

import io.sluice.Lane;
import io.sluice.PoolSnapshot;
import io.sluice.pool.AdmissionSnapshot;
import io.sluice.pool.Health;
import io.sluice.pool.LaneConfig;
import io.sluice.pool.Lanes;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * {@code GET /lanes}: each lane's pool and admission right now, e.g. for a dashboard. {@code GET /lanes/health}:
 * the lanes' {@link Health} as JSON, 200 while they serve (UP or DEGRADED) and 503 when DOWN, for a load
 * balancer or an orchestrator's probe (the same verdict is in {@code /actuator/health}, component {@code lanes}).
 */
@RestController
public class LanesController {

    /**
     * @param pool             connections: maxSize, allocated (open), acquired (lent out), idle, pending (waiting)
     * @param admission        work in flight, queued, the admission limit now, the queue's size, the breaker's state
     * @param applicationName  what the lane's connections show in {@code pg_stat_activity}
     * @param statementTimeoutMs the lane's {@code statement_timeout}, or {@code null} for the server's
     */
    public record LaneView(PoolSnapshot pool, AdmissionSnapshot admission, String applicationName,
                           @Nullable Long statementTimeoutMs) {
    }

    private final Lanes lanes;

    public LanesController(Lanes lanes) {
        this.lanes = lanes;
    }

    @GetMapping("/lanes")
    public Map<String, LaneView> lanes() {
        Map<String, LaneView> view = new LinkedHashMap<>();
        for (Lane lane : lanes.lanes()) {
            LaneConfig config = lanes.config(lane);
            view.put(lane.name(), new LaneView(lanes.snapshot(lane), lanes.admission(lane), config.applicationName(),
                    config.statementTimeout() == null ? null : config.statementTimeout().toMillis()));
        }
        return view;
    }

    /** 200 with the health while the lanes serve (UP, DEGRADED), 503 with it when they are DOWN; never a new connection per call. */
    @GetMapping("/lanes/health")
    public Mono<ResponseEntity<Health>> health() {
        return lanes.health().map(h -> ResponseEntity.status(h.serving() ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).body(h));
    }
}
