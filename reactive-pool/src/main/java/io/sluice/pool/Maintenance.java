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

    private final ConnectionBudget budget;

    Maintenance(List<PooledLane> lanes, MeterRegistry meters) {
        this(lanes, meters, 1);
    }

    /** {@code instances}: how many processes run these lanes against the server (see {@link ConnectionBudget}). */
    Maintenance(List<PooledLane> lanes, MeterRegistry meters, int instances) {
        this.lanes = List.copyOf(lanes);
        this.meters = meters;
        this.budget = new ConnectionBudget(lanes, instances);
    }

    /**
     * Fails with {@link ConfigurationException} when the lanes' total maxSize (times the instances) does not
     * fit the server's {@code max_connections} minus its superuser reserve, {@code reserve} and what other
     * clients hold. Through a pooler in transaction mode there is nothing to check here.
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
        if (first.pooled()) {
            // the lanes' connections are the pooler's clients: the pooler bounds what reaches the server
            return Mono.empty();
        }
        return Mono.usingWhen(Mono.from(first.rawFactory().create()), c -> budget.check(c, reserve, size, what), Connection::close)
                .onErrorMap(e -> !(e instanceof ConfigurationException), e -> new ConnectionUnavailableException(
                        "could not connect to PostgreSQL at " + first.target() + " to start the lanes: " + e.getMessage()
                                + ". Check that the server is running and that host, port, database and user are right "
                                + "(PGHOST, PGPORT, PGDATABASE, PGUSER or the URL)", null, null, null, null, e));
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
