package io.sluice.load.bench;

import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.postgresql.PostgresqlConnectionConfiguration;
import io.r2dbc.postgresql.PostgresqlConnectionFactory;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.R2dbcException;
import io.sluice.ConfigurationException;
import io.sluice.Database;
import io.sluice.Lane;
import io.sluice.SluiceException;
import io.sluice.load.report.Json;
import io.sluice.pool.LaneConfig;
import io.sluice.pool.Lanes;
import io.sluice.pool.PoolerMode;
import io.sluice.pool.ServerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One instance of the {@code fleet} scenario, in a process of its own: opens its pools (Sluice's lanes or one
 * r2dbc-pool), runs the mixed load (interactive point reads and background report queries, closed loops)
 * for the measured time, and writes what it saw: per kind of work the successes, failures by type and
 * SQLSTATE, p50 and p99, and the most connections it held at once. Sluice checks the budget for all the
 * fleet's instances at start ({@code instances}); when that refuses the sizes asked for, the refusal is
 * reported and the instance runs with the fitted sizes, as an operator would after reading the error.
 */
public final class FleetInstance {

    static final String POINT_READ = "SELECT v FROM items WHERE id = $1 AND pg_sleep(0.002) IS NOT NULL";
    static final String REPORT = "SELECT pg_sleep(0.05)::text, (SELECT count(*) FROM items WHERE id BETWEEN $1 AND $1 + 4999)";

    /** What the orchestrator asks of an instance. */
    public record Task(int instance, int instances, String client, String mode, String url, Map<String, Integer> sizes,
                       Map<String, Integer> fitted, Map<String, Integer> concurrency, long warmupMs, long durationMs,
                       long rows, String appPrefix, long acquireTimeoutMs) {
    }

    /** One kind of work's figures. */
    public record Op(String op, long ok, long failed, Map<String, Long> failures, double p50Ms, double p99Ms) {
    }

    /** What an instance reports. */
    public record Result(int instance, String client, String mode, String refusal, Map<String, Integer> sizes, List<Op> ops,
                         int peakConnections, String error) {
    }

    private interface Pools extends AutoCloseable {
        Mono<?> run(Lane lane, String sql, long param);

        int connections();

        @Override
        void close();
    }

    private FleetInstance() {
    }

    public static void main(String[] args) {
        Task task = Json.read(Path.of(args[0]), Task.class);
        Json.write(Path.of(args[1]), run(task));
        System.exit(0);
    }

    static Result run(Task t) {
        String refusal = null;
        Map<String, Integer> sizes = t.sizes();
        Pools pools;
        try {
            try {
                pools = open(t, sizes);
            } catch (ConfigurationException e) {
                if (t.fitted() == null || t.fitted().isEmpty()) {
                    throw e;
                }
                refusal = e.getMessage();
                sizes = t.fitted();
                pools = open(t, sizes);
            }
        } catch (RuntimeException e) {
            return new Result(t.instance(), t.client(), t.mode(), refusal, sizes, List.of(), 0, "could not start: " + e);
        }
        AtomicInteger peak = new AtomicInteger();
        Map<String, Stats> stats = new LinkedHashMap<>();
        stats.put("interactive", new Stats());
        stats.put("background", new Stats());
        long start = System.nanoTime();
        long measureFrom = start + TimeUnit.MILLISECONDS.toNanos(t.warmupMs());
        long end = measureFrom + TimeUnit.MILLISECONDS.toNanos(t.durationMs());
        Pools p = pools;
        reactor.core.Disposable sampler = Flux.interval(Duration.ofMillis(200))
                .subscribe(x -> peak.accumulateAndGet(p.connections(), Math::max));
        try {
            Flux.merge(loops(p, Lane.INTERACTIVE, POINT_READ, t.concurrency().getOrDefault("interactive", 12), t, stats.get("interactive"), measureFrom, end),
                    loops(p, Lane.BACKGROUND, REPORT, t.concurrency().getOrDefault("background", 6), t, stats.get("background"), measureFrom, end))
                    .blockLast(Duration.ofMillis(t.warmupMs() + t.durationMs() + 120_000));
        } finally {
            sampler.dispose();
            p.close();
        }
        List<Op> ops = new ArrayList<>();
        stats.forEach((op, s) -> ops.add(s.op(op)));
        return new Result(t.instance(), t.client(), t.mode(), refusal, sizes, ops, peak.get(), null);
    }

    private static Flux<Void> loops(Pools p, Lane lane, String sql, int concurrency, Task t, Stats stats, long measureFrom, long end) {
        return Flux.range(0, concurrency).flatMap(i -> {
            SplittableRandom r = new SplittableRandom(t.instance() * 1000L + i);
            return Mono.defer(() -> {
                long began = System.nanoTime();
                return p.run(lane, sql, r.nextLong(1, Math.max(2, t.rows() - 5_000)))
                        .then(Mono.fromRunnable(() -> stats.ok(began, measureFrom)))
                        .onErrorResume(e -> {
                            stats.failed(began, measureFrom, e);
                            return Mono.delay(Duration.ofMillis(5)).then();   // a failing pool answers at once: no spin
                        });
            }).repeat(() -> System.nanoTime() < end).then();
        }, concurrency);
    }

    private static Pools open(Task t, Map<String, Integer> sizes) {
        ServerConfig server = ServerConfig.fromUrl(t.url()).build();
        return t.client().equals("sluice") ? sluice(t, server, sizes) : r2dbcPool(t, server, sizes);
    }

    private static Pools sluice(Task t, ServerConfig server, Map<String, Integer> sizes) {
        Lanes.Builder b = Lanes.builder(server).instances(t.instances()).budgetReserve(2);
        for (Map.Entry<String, Integer> e : sizes.entrySet()) {
            b.lane(LaneConfig.builder(Lane.of(e.getKey())).maxSize(e.getValue())
                    .acquireTimeout(Duration.ofMillis(t.acquireTimeoutMs())).maxPendingAcquires(1000)
                    .applicationName(t.appPrefix() + e.getKey()).build());
        }
        Lanes lanes = b.build();
        try {
            lanes.start().block(Duration.ofMinutes(1));
        } catch (RuntimeException e) {
            lanes.close();
            throw e;
        }
        Database db = lanes.database();
        return new Pools() {
            @Override
            public Mono<?> run(Lane lane, String sql, long param) {
                return db.sql(lane, sql).bind(1, param).map(row -> row.get(0)).one();
            }

            @Override
            public int connections() {
                return lanes.lanes().stream().mapToInt(l -> lanes.snapshot(l).allocated()).sum();
            }

            @Override
            public void close() {
                lanes.closeGracefully(Duration.ofSeconds(5)).block(Duration.ofSeconds(30));
            }
        };
    }

    /** Plain r2dbc-pool, one pool of the lanes' total, configured as its documentation says for PgBouncer (no statement cache). */
    private static Pools r2dbcPool(Task t, ServerConfig server, Map<String, Integer> sizes) {
        PostgresqlConnectionConfiguration.Builder c = PostgresqlConnectionConfiguration.builder().host(server.host())
                .port(server.port()).database(server.database()).username(server.user())
                .applicationName(t.appPrefix() + "shared").connectTimeout(server.connectTimeout())
                .sslMode(io.r2dbc.postgresql.client.SSLMode.fromValue(server.sslMode().libpqName()));
        if (server.pooler() == PoolerMode.TRANSACTION) {
            c.preparedStatementCacheQueries(0);
        }
        if (server.password() != null) {
            c.password(server.password());
        }
        int size = sizes.values().stream().mapToInt(Integer::intValue).sum();
        ConnectionPool pool = new ConnectionPool(ConnectionPoolConfiguration.builder(new PostgresqlConnectionFactory(c.build()))
                .maxSize(size).initialSize(0).maxAcquireTime(Duration.ofMillis(t.acquireTimeoutMs())).build());
        return new Pools() {
            @Override
            public Mono<?> run(Lane lane, String sql, long param) {
                return Mono.usingWhen(pool.create(), conn -> Flux.from(conn.createStatement(sql).bind("$1", param).execute())
                        .concatMap(r -> r.map((row, m) -> String.valueOf(row.get(0)))).then(), Connection::close);
            }

            @Override
            public int connections() {
                return pool.getMetrics().map(m -> m.allocatedSize()).orElse(0);
            }

            @Override
            public void close() {
                pool.disposeLater().block(Duration.ofSeconds(30));
            }
        };
    }

    /** One kind of work's counts and latencies, measured after the warm-up. */
    private static final class Stats {
        final ConcurrentHistogram latency = new ConcurrentHistogram(TimeUnit.SECONDS.toMicros(120), 3);
        final LongAdder ok = new LongAdder();
        final LongAdder failed = new LongAdder();
        final Map<String, LongAdder> failures = new ConcurrentHashMap<>();

        void ok(long began, long measureFrom) {
            if (began >= measureFrom) {
                ok.increment();
                latency.recordValue(Math.min(latency.getHighestTrackableValue(), (System.nanoTime() - began) / 1000));
            }
        }

        void failed(long began, long measureFrom, Throwable e) {
            if (began >= measureFrom) {
                failed.increment();
                failures.computeIfAbsent(kind(e), k -> new LongAdder()).increment();
            }
        }

        Op op(String name) {
            Map<String, Long> f = new LinkedHashMap<>();
            failures.forEach((k, v) -> f.put(k, v.sum()));
            return new Op(name, ok.sum(), failed.sum(), f, latency.getValueAtPercentile(50) / 1000.0,
                    latency.getValueAtPercentile(99) / 1000.0);
        }
    }

    /** The failure's type and the first SQLSTATE along its causes, e.g. {@code R2dbcNonTransientResourceException 53300}. */
    static String kind(Throwable e) {
        String state = null;
        for (Throwable c = e; c != null && state == null; c = c.getCause()) {
            if (c instanceof R2dbcException r) {
                state = r.getSqlState();
            } else if (c instanceof SluiceException s) {
                state = s.sqlState();
            }
        }
        return e.getClass().getSimpleName() + (state == null ? "" : " " + state);
    }
}
