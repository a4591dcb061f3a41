package io.sluice.load.client;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Statement;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Runs a {@link Work} on a plain R2DBC connection, as code written directly against R2DBC would. */
final class R2dbcWork {

    private R2dbcWork() {
    }

    static Mono<Long> run(Connection c, Work w) {
        Mono<Long> body = Flux.fromIterable(w.statements()).concatMap(st -> exec(c, st)).reduce(0L, Long::sum);
        if (!w.transactional()) {
            return body;
        }
        return Mono.from(c.beginTransaction())
                .then(body)
                .flatMap(n -> Mono.from(c.commitTransaction()).thenReturn(n))
                .onErrorResume(e -> Mono.from(c.rollbackTransaction()).onErrorResume(x -> Mono.empty()).then(Mono.error(e)));
    }

    private static Mono<Long> exec(Connection c, Work.Stmt st) {
        Statement s = c.createStatement(st.sql());
        Object[] params = st.params();
        for (int i = 0; i < params.length; i++) {
            s.bind(i, params[i]);
        }
        Flux<Result> results = Flux.from(s.execute());
        if (st.shape() == Work.Shape.UPDATE) {
            return results.concatMap(Result::getRowsUpdated).reduce(0L, Long::sum);
        }
        int columns = st.columns();
        return results.concatMap(r -> r.map((row, meta) -> {
            for (int i = 0; i < columns; i++) {
                row.get(i);
            }
            return Boolean.TRUE;
        })).count();
    }

    /** Driver settings equal to Sluice's for the same lane: application_name and search_path. */
    static io.r2dbc.postgresql.PostgresqlConnectionConfiguration driverConfig(ClientConfig config, String applicationName) {
        var server = config.server();
        var b = io.r2dbc.postgresql.PostgresqlConnectionConfiguration.builder()
                .host(server.host()).port(server.port()).database(server.database()).username(server.user())
                .applicationName(applicationName)
                .connectTimeout(server.connectTimeout())
                .tcpKeepAlive(server.tcpKeepAlive())
                .sslMode(io.r2dbc.postgresql.client.SSLMode.fromValue(server.sslMode().libpqName()));
        if (server.pooler() == io.sluice.pool.PoolerMode.TRANSACTION) {
            // as PgBouncer 1.18 needs: no startup options (its connect_query sets search_path), no named statements
            b.preparedStatementCacheQueries(0);
        } else {
            b.options(java.util.Map.of("search_path", config.schema()));
        }
        if (server.password() != null) {
            b.password(server.password());
        }
        return b.build();
    }
}
