package io.sluice.examples.admin;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.sluice.Lane;
import io.sluice.pool.AlertEvent;
import io.sluice.pool.LaneFigures;
import io.sluice.pool.Lanes;
import io.sluice.pool.SluiceMeters;
import io.sluice.examples.planner.MenuGenerator;
import io.sluice.examples.planner.NightlyAggregation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;

/**
 * What the lanes page shows, as server-sent events: {@code lanes} once a second (each lane's connections by
 * state, waiting callers, admitted and rejected per second, wait p95, work p50 and p99, breaker, drained or
 * not), {@code alert} as alerts are raised and cleared (those active when the stream starts first), and
 * {@code job} as menu generations and the aggregation progress.
 *
 * <p>Work percentiles come from the {@code sluice.lane.work} timers of successful work, whose client-side
 * percentiles application.properties turns on: p50 is the mean of the operations' p50s weighted by their
 * counts, p99 the slowest operation's p99 (percentiles of different operations cannot be merged exactly).
 */
@Component
public class LaneBoard {

    /** One lane on the page. */
    public record Row(String lane, int connectionsUsed, int connectionsIdle, int connectionsOpen, int maxSize, int inFlight,
                      int waiting, int limit, int maxQueue, double admittedPerSecond, double rejectedPerSecond,
                      double waitP95Millis, double workP50Millis, double workP99Millis, String breaker, boolean drained) {
    }

    private final Lanes lanes;
    private final MeterRegistry meters;
    private final MenuGenerator menus;
    private final NightlyAggregation aggregation;

    public LaneBoard(Lanes lanes, MeterRegistry meters, MenuGenerator menus, NightlyAggregation aggregation) {
        this.lanes = lanes;
        this.meters = meters;
        this.menus = menus;
        this.aggregation = aggregation;
    }

    /** The page's stream, every {@code interval}; hot sources (alerts, jobs) from subscription on. */
    public Flux<ServerSentEvent<Object>> events(Duration interval) {
        Flux<ServerSentEvent<Object>> rows = Flux.defer(() -> {
            Map<String, double[]> previous = new HashMap<>();
            return Flux.interval(Duration.ZERO, interval).map(t -> event("lanes", rows(previous)));
        });
        Flux<ServerSentEvent<Object>> alerts = Flux.fromIterable(lanes.activeAlerts()).concatWith(lanes.alerts())
                .map(a -> event("alert", alert(a)));
        Flux<ServerSentEvent<Object>> jobs = Flux.merge(
                menus.progress().map(p -> event("job", Map.of("kind", "menu", "id", p.jobId(), "state", p.state(),
                        "done", p.done(), "total", p.total()))),
                aggregation.progress().map(p -> event("job", Map.of("kind", "aggregation", "id", 0, "state", "running",
                        "done", p.done(), "total", p.remaining() == null ? p.done() : p.done() + p.remaining()))));
        return Flux.merge(rows, alerts, jobs);
    }

    private static ServerSentEvent<Object> event(String name, Object data) {
        return ServerSentEvent.builder(data).event(name).build();
    }

    private static Map<String, Object> alert(AlertEvent a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", a.type().name());
        m.put("rule", a.rule());
        m.put("lane", a.lane() == null ? "server" : a.lane());
        m.put("severity", a.severity().name());
        m.put("message", a.message());
        m.put("at", a.at().toString());
        return m;
    }

    /** Each lane now; {@code previous} holds the last admitted and rejected totals and their time, per lane, for the rates. */
    List<Row> rows(Map<String, double[]> previous) {
        List<Row> rows = new ArrayList<>();
        double now = System.nanoTime() / 1e9;
        for (Lane lane : lanes.lanes()) {
            LaneFigures f = lanes.figures(lane);
            double admitted = count(SluiceMeters.ADMITTED, lane);
            double rejected = count(SluiceMeters.REJECTED, lane);
            double[] last = previous.put(lane.name(), new double[]{admitted, rejected, now});
            double seconds = last == null ? 0 : now - last[2];
            double[] work = work(lane);
            rows.add(new Row(lane.name(), f.connectionsUsed(), f.connectionsIdle(), f.connectionsOpen(), f.maxSize(), f.inFlight(),
                    f.waiting(), f.limit(), f.maxQueue(),
                    seconds > 0 ? (admitted - last[0]) / seconds : 0, seconds > 0 ? (rejected - last[1]) / seconds : 0,
                    f.waitP95Millis(), work[0], work[1], f.breakerState(), lanes.isDraining(lane)));
        }
        return rows;
    }

    private double count(String name, Lane lane) {
        double total = 0;
        for (FunctionCounter c : meters.find(name).tag("lane", lane.name()).functionCounters()) {
            total += c.count();
        }
        for (io.micrometer.core.instrument.Counter c : meters.find(name).tag("lane", lane.name()).counters()) {
            total += c.count();
        }
        return total;
    }

    private double[] work(Lane lane) {
        double weighted = 0;
        long count = 0;
        double p99 = 0;
        for (Timer t : meters.find(SluiceMeters.WORK).tags("lane", lane.name(), "outcome", "success").timers()) {
            var snapshot = t.takeSnapshot();
            for (ValueAtPercentile v : snapshot.percentileValues()) {
                if (v.percentile() == 0.5) {
                    weighted += v.value(TimeUnit.MILLISECONDS) * snapshot.count();
                    count += snapshot.count();
                } else if (v.percentile() == 0.99) {
                    p99 = Math.max(p99, v.value(TimeUnit.MILLISECONDS));
                }
            }
        }
        return new double[]{count == 0 ? 0 : weighted / count, p99};
    }
}
