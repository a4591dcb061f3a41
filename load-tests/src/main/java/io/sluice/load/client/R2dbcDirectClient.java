package io.sluice.load.client;

import io.r2dbc.postgresql.PostgresqlConnectionFactory;
import io.r2dbc.spi.Connection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The floor of every R2DBC pool: r2dbc-postgresql with no pool at all. The connections (as many as the
 * lanes have) are opened at start and never handed around; unit {@code k} runs on connection
 * {@code k mod n}, where the driver queues it behind the statements already sent on it. What is left is the
 * cost of the driver, Netty and Reactor themselves. Autocommit work only: two transactions would
 * interleave on a shared connection.
 */
final class R2dbcDirectClient implements DbClient {

    private final PostgresqlConnectionFactory factory;
    private final int size;
    private final AtomicInteger next = new AtomicInteger();
    private List<? extends Connection> connections = List.of();

    R2dbcDirectClient(ClientConfig config) {
        this.size = config.totalPoolSize();
        this.factory = new PostgresqlConnectionFactory(R2dbcWork.driverConfig(config, config.appName("direct")));
    }

    @Override
    public void start() {
        connections = Flux.range(0, size).flatMap(i -> factory.create()).collectList().block(Duration.ofMinutes(1));
    }

    @Override
    public void execute(Work work, Completion done) {
        if (work.transactional()) {
            done.done(new IllegalStateException("r2dbc-direct runs autocommit work only"));
            return;
        }
        Connection c = connections.get(Math.floorMod(next.getAndIncrement(), connections.size()));
        R2dbcWork.run(c, work).subscribe(null, done::done, () -> done.done(null));
    }

    @Override
    public List<PoolState> pools() {
        return List.of(new PoolState("direct", size, connections.size(), null, null, null));
    }

    @Override
    public void close() {
        Flux.fromIterable(connections).flatMap(c -> Mono.from(c.close())).then().block(Duration.ofSeconds(30));
    }
}
