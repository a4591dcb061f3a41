package io.sluice.load.client;

import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.pool.PoolMetrics;
import io.r2dbc.postgresql.PostgresqlConnectionFactory;
import io.r2dbc.spi.Connection;
import java.time.Duration;
import java.util.List;
import reactor.core.publisher.Mono;

/**
 * The shared-pool baseline: plain r2dbc-pool over r2dbc-postgresql, one pool the size of all lanes
 * together, with the same acquire timeout and queue limit as Sluice's lanes; no lanes, no facade.
 */
final class R2dbcPoolClient implements DbClient {

    private final ConnectionPool pool;
    private final int size;

    R2dbcPoolClient(ClientConfig config) {
        this(config, config.totalPoolSize());
    }

    /** With a pool of {@code size} connections, whatever the lanes' sizes. */
    R2dbcPoolClient(ClientConfig config, int size) {
        this.size = size;
        var factory = new PostgresqlConnectionFactory(R2dbcWork.driverConfig(config, config.appName("shared")));
        this.pool = new ConnectionPool(ConnectionPoolConfiguration.builder(factory)
                .name("r2dbc-pool-shared")
                .maxSize(size)
                .initialSize(size)
                .maxAcquireTime(config.acquireTimeout())
                .customizer(b -> b.maxPendingAcquire(config.maxPendingAcquires()))
                .build());
    }

    @Override
    public void start() {
        pool.warmup().block(Duration.ofMinutes(1));
    }

    @Override
    public void execute(Work work, Completion done) {
        Mono.usingWhen(pool.create(), c -> R2dbcWork.run(c, work), Connection::close)
                .subscribe(null, done::done, () -> done.done(null));
    }

    @Override
    public List<PoolState> pools() {
        PoolMetrics m = pool.getMetrics().orElse(null);
        if (m == null) {
            return List.of(new PoolState("shared", size, null, null, null, null));
        }
        return List.of(new PoolState("shared", size, m.allocatedSize(), m.acquiredSize(), m.idleSize(), m.pendingAcquireSize()));
    }

    @Override
    public void close() {
        pool.disposeLater().block(Duration.ofSeconds(30));
    }
}
