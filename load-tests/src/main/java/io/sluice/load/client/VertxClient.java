package io.sluice.load.client;

import io.sluice.pool.SslMode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The Vert.x reactive PostgreSQL client (Vert.x 5): one pool the size of all lanes together, its
 * connections spread over one event loop per core. {@code pipelining} 1 sends one statement at a time per
 * connection; above 1 a connection carries up to that many statements in flight.
 */
final class VertxClient implements DbClient {

    private final Vertx vertx;
    private final Pool pool;
    private final int size;

    VertxClient(ClientConfig config, int pipelining) {
        int cores = Runtime.getRuntime().availableProcessors();
        this.size = config.totalPoolSize();
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(cores).setPreferNativeTransport(false));
        var server = config.server();
        PgConnectOptions connect = new PgConnectOptions()
                .setHost(server.host()).setPort(server.port()).setDatabase(server.database()).setUser(server.user())
                .setPipeliningLimit(pipelining)
                .setCachePreparedStatements(true)
                .setProperties(Map.of("application_name", config.appName(pipelining > 1 ? "vertx-pipelined" : "vertx"),
                        "search_path", config.schema()));
        if (server.password() != null) {
            connect.setPassword(server.password());
        }
        ssl(connect, server.sslMode(), server.sslRootCert());
        PoolOptions options = new PoolOptions().setMaxSize(size).setEventLoopSize(cores)
                .setMaxWaitQueueSize(config.maxPendingAcquires())
                .setConnectionTimeout((int) Math.max(1, config.acquireTimeout().toMillis()))
                .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS);
        this.pool = PgBuilder.pool().with(options).connectingTo(connect).using(vertx).build();
    }

    private static void ssl(PgConnectOptions o, SslMode mode, java.nio.file.Path rootCert) {
        o.setSslMode(io.vertx.pgclient.SslMode.of(mode.libpqName()));
        if (mode == SslMode.VERIFY_CA || mode == SslMode.VERIFY_FULL) {
            o.setSslOptions(new ClientSSLOptions().setTrustOptions(new PemTrustOptions().addCertPath(rootCert.toString()))
                    .setHostnameVerificationAlgorithm(mode == SslMode.VERIFY_FULL ? "HTTPS" : ""));
        } else if (mode != SslMode.DISABLE) {
            o.setSslOptions(new ClientSSLOptions().setTrustAll(true));
        }
    }

    @Override
    public void start() throws Exception {
        // open every connection now, as the other pooled clients do; on a busy machine opening 16 at once
        // can outlast the pool's connection timeout, so try again (connections already open stay open)
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            List<Future<Long>> warm = new java.util.ArrayList<>();
            for (int i = 0; i < size; i++) {
                warm.add(pool.withConnection(c -> c.query("SELECT 1").execute().map(r -> 1L)));
            }
            try {
                Future.all(warm).await(60, TimeUnit.SECONDS);
                return;
            } catch (Exception e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
            }
        }
    }

    @Override
    public void execute(Work work, Completion done) {
        Future<Long> f;
        if (work.transactional()) {
            f = pool.withTransaction(c -> all(c, work));
        } else if (work.statements().size() == 1) {
            f = exec(pool, work.statements().get(0));
        } else {
            f = pool.withConnection(c -> all(c, work));
        }
        f.onComplete((v, error) -> done.done(error));
    }

    private static Future<Long> all(SqlClient c, Work w) {
        Future<Long> f = Future.succeededFuture(0L);
        for (Work.Stmt st : w.statements()) {
            f = f.compose(n -> exec(c, st).map(m -> n + m));
        }
        return f;
    }

    private static Future<Long> exec(SqlClient c, Work.Stmt st) {
        Future<RowSet<Row>> rs = c.preparedQuery(st.sql()).execute(Tuple.wrap(Arrays.asList(st.params())));
        if (st.shape() == Work.Shape.UPDATE) {
            return rs.map(r -> (long) r.rowCount());
        }
        int columns = st.columns();
        return rs.map(rows -> {
            long n = 0;
            for (Row row : rows) {
                for (int i = 0; i < columns; i++) {
                    row.getValue(i);
                }
                n++;
            }
            return n;
        });
    }

    @Override
    public List<PoolState> pools() {
        return List.of(new PoolState("shared", size, pool.size(), null, null, null));
    }

    @Override
    public void close() {
        try {
            pool.close().await(30, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // closing below regardless
        }
        try {
            vertx.close().await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("closing Vert.x failed: " + e.getMessage(), e);
        }
    }
}
