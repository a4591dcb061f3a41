package io.sluice.examples.web;

import io.sluice.Lane;
import io.sluice.PoolSnapshot;
import io.sluice.pool.AdmissionSnapshot;
import io.sluice.pool.LaneConfig;
import io.sluice.pool.Lanes;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /lanes}: each lane's pool and admission right now, e.g. for a dashboard or a health check. */
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
}
