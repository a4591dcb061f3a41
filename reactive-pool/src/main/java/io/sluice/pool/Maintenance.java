package io.sluice.pool;

import io.micrometer.core.instrument.MeterRegistry;
import io.r2dbc.spi.Connection;
import io.sluice.ConfigurationException;
import io.sluice.ConnectionUnavailableException;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * What runs beside the lanes' work: the start-up budget check, and the periodic refill to each lane's
 * minimum (replacing expired connections within it first) with the leak scan.
 */
final class Maintenance {

    private final List<PooledLane> lanes;
    private final MeterRegistry meters;

    Maintenance(List<PooledLane> lanes, MeterRegistry meters) {
        this.lanes = List.copyOf(lanes);
        this.meters = meters;
    }

    /**
     * Fails with {@link ConfigurationException} when the lanes' total maxSize does not fit the server's
     * {@code max_connections} minus its superuser reserve and {@code reserve}.
     */
    Mono<Void> checkBudget(int reserve) {
        return checkBudget(reserve, l -> l.maxSize() + l.config().sharedConnections(), "");
    }

    /**
     * As {@link #checkBudget(int)}, with each lane's size given by {@code size} (e.g. one lane's size after a
     * resize) and {@code what} opening the message.
     */
    Mono<Void> checkBudget(int reserve, java.util.function.ToIntFunction<PooledLane> size, String what) {
        LanePool first = lanes.get(0).pool();
        return Mono.usingWhen(Mono.from(first.rawFactory().create()),
                        c -> Mono.from(c.createStatement("SELECT current_setting('max_connections')::int, "
                                        + "current_setting('superuser_reserved_connections')::int").execute())
                                .flatMap(r -> Mono.from(r.map(row -> new int[]{row.get(0, Integer.class), row.get(1, Integer.class)}))),
                        Connection::close)
                .onErrorMap(e -> !(e instanceof ConfigurationException), e -> new ConnectionUnavailableException(
                        "could not connect to PostgreSQL at " + first.target() + " to start the lanes: " + e.getMessage()
                                + ". Check that the server is running and that host, port, database and user are right "
                                + "(PGHOST, PGPORT, PGDATABASE, PGUSER or the URL)", null, null, null, null, e))
                .flatMap(limits -> {
                    int allowed = limits[0] - limits[1] - reserve;
                    int wanted = lanes.stream().mapToInt(size).sum();
                    if (wanted > allowed) {
                        String each = lanes.stream().map(l -> l.lane().name() + "=" + size.applyAsInt(l))
                                .collect(Collectors.joining(", "));
                        return Mono.error(new ConfigurationException("maxSize", what + "the lanes' maxSize add up to " + wanted
                                + " (" + each + ") but the server allows " + allowed + " for them: max_connections="
                                + limits[0] + " - superuser_reserved_connections=" + limits[1] + " - budgetReserve="
                                + reserve + ". Lower the lanes' maxSize, lower budgetReserve, or raise max_connections"));
                    }
                    return Mono.empty();
                });
    }

    /** Starts the periodic refill and leak scan, when some lane needs them; otherwise nothing. */
    Disposable start(Scheduler scheduler) {
        if (lanes.stream().noneMatch(l -> l.config().minIdle() > 0 || l.config().initialSize() > 0
                || l.config().leakDetectionThreshold() != null)) {
            return reactor.core.Disposables.single();
        }
        Duration every = lanes.stream().map(l -> l.config().evictionInterval()).min(Duration::compareTo).orElseThrow();
        return Flux.interval(every, scheduler)
                .onBackpressureDrop()
                .concatMap(t -> Flux.fromIterable(lanes)
                        .map(PooledLane::pool)
                        .filter(p -> !p.isClosing())
                        .doOnNext(p -> {
                            p.leakSuspects();   // each reported (and counted) by the lanes' LeakReports
                        })
                        .concatMap(p -> p.replaceExpired().onErrorResume(e -> Mono.empty())
                                .then(p.warmup().onErrorResume(e -> Mono.empty()))), 1)
                .subscribe();
    }
}
