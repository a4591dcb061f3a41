package io.sluice.load.client;

import io.r2dbc.spi.Readable;
import io.sluice.Database;
import io.sluice.Lane;
import io.sluice.Query;
import io.sluice.RowMapper;
import io.sluice.Session;
import io.sluice.TxOptions;
import io.sluice.pool.LaneConfig;
import io.sluice.pool.Lanes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Sluice: one pool per lane, used through the {@link Database} facade the way an application would. */
final class SluiceClient implements DbClient {

    private static final Object ROW = new Object();

    private final Lanes lanes;
    private final Database db;

    /** How the lanes are configured beyond their sizes. */
    enum Variant {
        FIXED, ADAPTIVE, PRIORITY, LENDING, LENDING_PRIORITY, NO_METERS, MULTIPLEXED;

        /** Every variant but NO_METERS records its meters, as an application with a registry would. */
        boolean metered() {
            return this != NO_METERS;
        }

        boolean lends() {
            return this == LENDING || this == LENDING_PRIORITY;
        }

        boolean hasLatencyTarget() {
            return this == PRIORITY || this == LENDING_PRIORITY;
        }
    }

    SluiceClient(ClientConfig config, Variant variant) {
        Lanes.Builder b = Lanes.builder(config.server());
        if (variant.metered()) {
            // a registry that keeps every figure (Sluice records nothing without one)
            b.meterRegistry(new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        }
        for (Map.Entry<Lane, Integer> e : config.poolSizes().entrySet()) {
            LaneConfig.Builder lane = LaneConfig.builder(e.getKey())
                    .maxSize(e.getValue())
                    .initialSize(e.getValue())
                    .acquireTimeout(config.acquireTimeout())
                    .maxPendingAcquires(config.maxPendingAcquires())
                    .applicationName(config.appName(e.getKey().name()));
            if (config.server().pooler() != io.sluice.pool.PoolerMode.TRANSACTION) {
                lane.sessionSetting("search_path", config.schema());   // through PgBouncer, its connect_query sets it
            }
            if (e.getKey().equals(Lane.BACKGROUND)) {
                // a lane's own session defaults: a background query does not take every core with a parallel plan
                lane.sessionSetting("max_parallel_workers_per_gather", "0");
            }
            if (config.clientTimeout() != null) {
                // a client-side deadline, so a server that stops answering is detected (chaos scenario)
                lane.clientTimeout(config.clientTimeout());
            }
            if (variant == Variant.ADAPTIVE) {
                lane.adaptiveAdmission(1, e.getValue());
            }
            if (variant == Variant.MULTIPLEXED) {
                // reads share the lane's connections; one more, opened on demand, serves transactions and streams.
                // (admission: maxSize + connections x perConnection, the lane's default when multiplexed)
                lane.maxSize(1).initialSize(0).multiplexed(Clients.MUX_SHARED, Clients.MUX_PER_CONNECTION);
                if (config.multiplexedAdmission() > 0) {
                    // a queue no longer than the admission, as the ordinary lane's is its size (overload scenario)
                    lane.admissionLimit(config.multiplexedAdmission())
                            .maxPendingAcquires(Math.min(config.maxPendingAcquires(), config.multiplexedAdmission()));
                }
            }
            // sluice-lending lends only; sluice-lending-priority also yields, trading back what lending gives
            // for the interactive latency target
            if (variant.hasLatencyTarget() && e.getKey().equals(Lane.INTERACTIVE)) {
                lane.latencyTarget(config.latencyTarget());
            }
            b.lane(lane.build());
        }
        if (variant.lends() && config.poolSizes().containsKey(Lane.INTERACTIVE)
                && config.poolSizes().containsKey(Lane.BACKGROUND)) {
            b.lend(Lane.INTERACTIVE, Lane.BACKGROUND, Math.min(2, config.poolSizes().get(Lane.INTERACTIVE) - 1));
            b.lend(Lane.BACKGROUND, Lane.INTERACTIVE, Math.min(2, config.poolSizes().get(Lane.BACKGROUND) - 1));
        }
        this.lanes = b.build();
        this.db = lanes.database();
    }

    @Override
    public void start() {
        lanes.start().block(Duration.ofMinutes(1));
    }

    @Override
    public void execute(Work work, Completion done) {
        mono(work).subscribe(null, done::done, () -> done.done(null));
    }

    private Mono<Long> mono(Work w) {
        if (w.transactional()) {
            TxOptions tx = w.readOnly() ? TxOptions.readOnly() : TxOptions.readWrite();
            return db.inTransaction(w.lane(), tx, s -> all(s, w));
        }
        if (w.statements().size() == 1) {
            Work.Stmt st = w.statements().get(0);
            // a read outside a transaction is safe to run again: let the lane retry it
            return run(w.readOnly() ? db.sql(w.lane(), st.sql()).idempotent() : db.sql(w.lane(), st.sql()), st);
        }
        return db.withConnection(w.lane(), s -> all(s, w));
    }

    private static Mono<Long> all(Session s, Work w) {
        return Flux.fromIterable(w.statements()).concatMap(st -> run(s.sql(st.sql()), st)).reduce(0L, Long::sum);
    }

    private static Mono<Long> run(Query q, Work.Stmt st) {
        Object[] params = st.params();
        for (int i = 0; i < params.length; i++) {
            q.bind(i + 1, params[i]);
        }
        return switch (st.shape()) {
            case ONE -> q.map(reader(st.columns())).one().thenReturn(1L);
            case MANY -> q.map(reader(st.columns())).all().count();
            case UPDATE -> q.rowsUpdated();
        };
    }

    /** Decodes every column, as an application mapping the row would. */
    private static RowMapper<Object> reader(int columns) {
        return (Readable row) -> {
            for (int i = 0; i < columns; i++) {
                row.get(i);
            }
            return ROW;
        };
    }

    @Override
    public List<PoolState> pools() {
        List<PoolState> out = new ArrayList<>();
        for (Lane lane : lanes.lanes()) {
            var s = lanes.snapshot(lane);
            out.add(new PoolState(lane.name(), s.maxSize(), s.allocated(), s.acquired(), s.idle(), s.pending()));
        }
        return out;
    }

    @Override
    public void close() {
        lanes.closeGracefully(Duration.ofSeconds(5)).block(Duration.ofSeconds(40));
    }
}
