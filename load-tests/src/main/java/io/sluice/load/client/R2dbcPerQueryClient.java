package io.sluice.load.client;

import io.r2dbc.postgresql.PostgresqlConnectionFactory;
import io.r2dbc.spi.Connection;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Mono;

/** No pool: r2dbc-postgresql opens a connection for every unit of work and closes it after. */
final class R2dbcPerQueryClient implements DbClient {

    private final PostgresqlConnectionFactory factory;
    private final AtomicInteger open = new AtomicInteger();
    private final int nominal;

    R2dbcPerQueryClient(ClientConfig config) {
        this.factory = new PostgresqlConnectionFactory(R2dbcWork.driverConfig(config, config.appName("per-query")));
        this.nominal = config.totalPoolSize();
    }

    @Override
    public void start() {
    }

    @Override
    public void execute(Work work, Completion done) {
        Mono.usingWhen(factory.create().doOnNext(c -> open.incrementAndGet()),
                        c -> R2dbcWork.run(c, work),
                        c -> Mono.from(((Connection) c).close()).doFinally(s -> open.decrementAndGet()))
                .subscribe(null, done::done, () -> done.done(null));
    }

    @Override
    public List<PoolState> pools() {
        int n = open.get();
        return List.of(new PoolState("none", nominal, n, n, 0, null));
    }

    @Override
    public void close() {
    }
}
