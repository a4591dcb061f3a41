package io.sluice.load.client;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The clients the harness can measure, by name. {@code pgbench} and {@code pgbench-connect} are not JVM
 * clients; the orchestrator runs them as processes.
 */
public final class Clients {

    /** Sluice, measured against everything else. */
    public static final String SLUICE = "sluice";
    public static final String SLUICE_ADAPTIVE = "sluice-adaptive";
    public static final String SLUICE_PRIORITY = "sluice-priority";
    public static final String SLUICE_LENDING = "sluice-lending";
    public static final String SLUICE_LENDING_PRIORITY = "sluice-lending-priority";
    /** {@link #SLUICE} without a meter registry: what the meters cost, measured in the same run. */
    public static final String SLUICE_NO_METERS = "sluice-no-meters";
    /** Sluice with the interactive lane multiplexed: {@link #MUX_SHARED} shared connections and one of its own. */
    public static final String SLUICE_MULTIPLEXED = "sluice-multiplexed";
    /** Plain r2dbc-pool given the multiplexed lane's {@link #MUX_CONNECTIONS} connections and the same callers. */
    public static final String R2DBC_POOL_MUX = "r2dbc-pool-4";
    /** The server connections of {@link #SLUICE_MULTIPLEXED} in all, and the pool size of {@link #R2DBC_POOL_MUX}. */
    public static final int MUX_CONNECTIONS = 4;
    /**
     * Of {@link #MUX_CONNECTIONS}, those {@link #SLUICE_MULTIPLEXED}'s statements share; the last one is the lane's
     * own, opened on demand for transactions and streams, so the server never sees more than {@link #MUX_CONNECTIONS}.
     */
    public static final int MUX_SHARED = MUX_CONNECTIONS - 1;
    /** Statements in flight at most on each of {@link #SLUICE_MULTIPLEXED}'s shared connections. */
    public static final int MUX_PER_CONNECTION = 128;

    /** The suffix of a client that runs through a PgBouncer in transaction mode the harness starts. */
    public static final String PGBOUNCER = "-pgbouncer";

    private static final Map<String, String> DESCRIPTIONS = new java.util.LinkedHashMap<>();

    static {
        DESCRIPTIONS.put(SLUICE, "Sluice: one pool per lane, through the Database facade (fixed admission, retry, breaker), "
                + "meters to a Micrometer registry");
        DESCRIPTIONS.put(SLUICE_ADAPTIVE, "Sluice with adaptive (Gradient2) admission on every lane");
        DESCRIPTIONS.put(SLUICE_PRIORITY, "Sluice with an interactive latency target: lower lanes yield admission while it is missed");
        DESCRIPTIONS.put(SLUICE_LENDING, "Sluice with lending between interactive and background, both ways, reserve 2");
        DESCRIPTIONS.put(SLUICE_LENDING_PRIORITY, "Sluice with lending (reserve 2) and the interactive latency target: "
                + "background borrows while interactive meets its target and yields while it misses it");
        DESCRIPTIONS.put(SLUICE_NO_METERS, "Sluice as 'sluice' but with no meter registry: the meters' cost is the difference");
        DESCRIPTIONS.put(SLUICE_MULTIPLEXED, "Sluice with every lane multiplexed, " + MUX_CONNECTIONS + " connections in all: "
                + "single autocommit statements pipelined over " + MUX_SHARED + " shared connections (up to " + MUX_PER_CONNECTION
                + " each); transactions and streams take the last one, opened on demand");
        DESCRIPTIONS.put(R2DBC_POOL_MUX, "plain r2dbc-pool + r2dbc-postgresql, one pool of " + MUX_CONNECTIONS
                + " connections: the multiplexed lane's connections, the same callers");
        DESCRIPTIONS.put("r2dbc-pool", "plain r2dbc-pool + r2dbc-postgresql, one shared pool of the same total size");
        DESCRIPTIONS.put("r2dbc-direct", "r2dbc-postgresql with no pool: the connections opened at start, unit k on connection k mod n "
                + "(queued by the driver): the floor of any R2DBC pool, autocommit work only");
        DESCRIPTIONS.put("hikari", "HikariCP + pgjdbc on a fixed pool of platform threads");
        DESCRIPTIONS.put("hikari-vt", "HikariCP + pgjdbc on virtual threads (JDK 21+)");
        DESCRIPTIONS.put("vertx", "Vert.x 5 reactive PostgreSQL client, no pipelining");
        DESCRIPTIONS.put("vertx-pipelined", "Vert.x 5 reactive PostgreSQL client, pipelining up to 256 statements per connection");
        DESCRIPTIONS.put("r2dbc-per-query", "r2dbc-postgresql without a pool: a new connection for every unit of work");
        DESCRIPTIONS.put("jdbc-per-query", "pgjdbc without a pool: a new connection for every unit of work, platform threads");
        DESCRIPTIONS.put(SLUICE + PGBOUNCER, "Sluice as 'sluice', through a PgBouncer in transaction mode that the harness starts in front "
                + "of the server (ServerConfig pooler=transaction; PgBouncer sets the run's search_path)");
        DESCRIPTIONS.put("r2dbc-pool" + PGBOUNCER, "plain r2dbc-pool as 'r2dbc-pool', through the same PgBouncer, configured for it "
                + "(no startup options, the driver's statement cache off)");
        DESCRIPTIONS.put("pgbench", "pgbench (C, libpq, prepared statements): the server's practical limit on this machine");
        DESCRIPTIONS.put("pgbench-connect", "pgbench -C: a new connection for every transaction");
    }

    private Clients() {
    }

    public static List<String> names() {
        return List.copyOf(DESCRIPTIONS.keySet());
    }

    public static boolean known(String name) {
        return DESCRIPTIONS.containsKey(name);
    }

    public static String describe(String name) {
        return DESCRIPTIONS.getOrDefault(name, name);
    }

    /** {@code sluice}, {@code baseline} (what a user would pick instead) or {@code reference} (pgbench). */
    public static String role(String name) {
        return name.startsWith(SLUICE) ? "sluice" : name.startsWith("pgbench") ? "reference" : "baseline";
    }

    public static boolean external(String name) {
        return name.startsWith("pgbench");
    }

    public static boolean needsVirtualThreads(String name) {
        return name.equals("hikari-vt");
    }

    /** Whether the client runs through a PgBouncer the harness starts ({@code sluice-pgbouncer}, {@code r2dbc-pool-pgbouncer}). */
    public static boolean throughPgBouncer(String name) {
        return name.endsWith(PGBOUNCER);
    }

    /** The client and its twin through PgBouncer, when it has one. */
    public static List<String> withPgBouncerTwin(String name) {
        return known(name + PGBOUNCER) ? List.of(name, name + PGBOUNCER) : List.of(name);
    }

    public static DbClient create(String name, ClientConfig config) {
        if (throughPgBouncer(name)) {
            return create(name.substring(0, name.length() - PGBOUNCER.length()), config);   // ClientRun points it at PgBouncer
        }
        return switch (name) {
            case SLUICE -> new SluiceClient(config, SluiceClient.Variant.FIXED);
            case SLUICE_ADAPTIVE -> new SluiceClient(config, SluiceClient.Variant.ADAPTIVE);
            case SLUICE_PRIORITY -> new SluiceClient(config, SluiceClient.Variant.PRIORITY);
            case SLUICE_LENDING -> new SluiceClient(config, SluiceClient.Variant.LENDING);
            case SLUICE_LENDING_PRIORITY -> new SluiceClient(config, SluiceClient.Variant.LENDING_PRIORITY);
            case SLUICE_NO_METERS -> new SluiceClient(config, SluiceClient.Variant.NO_METERS);
            case SLUICE_MULTIPLEXED -> new SluiceClient(config, SluiceClient.Variant.MULTIPLEXED);
            case "r2dbc-pool" -> new R2dbcPoolClient(config);
            case R2DBC_POOL_MUX -> new R2dbcPoolClient(config, MUX_CONNECTIONS);
            case "r2dbc-direct" -> new R2dbcDirectClient(config);
            case "r2dbc-per-query" -> new R2dbcPerQueryClient(config);
            case "vertx" -> new VertxClient(config, 1);
            case "vertx-pipelined" -> new VertxClient(config, 256);
            case "hikari" -> hikari(config, platformThreads(config.threads(), "hikari"), "hikari");
            case "hikari-vt" -> hikari(config, VirtualThreads.perTask(), "hikari-vt");
            case "jdbc-per-query" -> perQueryJdbc(config);
            default -> throw new IllegalArgumentException("unknown client '" + name + "'; known: " + String.join(", ", names()));
        };
    }

    private static DbClient hikari(ClientConfig config, ExecutorService executor, String name) {
        int size = config.totalPoolSize();
        HikariConfig hc = new HikariConfig();
        hc.setPoolName(name);
        hc.setJdbcUrl(config.jdbcUrl());
        hc.setDataSourceProperties(config.jdbcProperties(config.appName(name)));
        hc.setUsername(config.server().user());
        if (config.server().password() != null) {
            hc.setPassword(config.server().password());
        }
        hc.setMaximumPoolSize(size);
        hc.setMinimumIdle(size);
        hc.setConnectionTimeout(Math.max(250, config.acquireTimeout().toMillis()));
        hc.setInitializationFailTimeout(-1);
        HikariDataSource ds = new HikariDataSource(hc);
        return new JdbcClient(ds, executor, () -> {
            HikariPoolMXBean mx = ds.getHikariPoolMXBean();
            return mx == null ? List.of() : List.of(new DbClient.PoolState("shared", size, mx.getTotalConnections(),
                    mx.getActiveConnections(), mx.getIdleConnections(), mx.getThreadsAwaitingConnection()));
        }, () -> waitForConnections(ds, size), ds);
    }

    private static void waitForConnections(HikariDataSource ds, int size) throws InterruptedException {
        try (var c = ds.getConnection()) {
            c.isValid(5);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("HikariCP could not connect: " + e.getMessage(), e);
        }
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (ds.getHikariPoolMXBean().getTotalConnections() < size && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    private static DbClient perQueryJdbc(ClientConfig config) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(config.jdbcUrl());
        var props = config.jdbcProperties(config.appName("jdbc-per-query"));
        ds.setUser(props.getProperty("user"));
        if (props.getProperty("password") != null) {
            ds.setPassword(props.getProperty("password"));
        }
        ds.setApplicationName(props.getProperty("ApplicationName"));
        ds.setCurrentSchema(config.schema());
        ds.setSslmode(props.getProperty("sslmode"));
        AtomicInteger open = new AtomicInteger();
        javax.sql.DataSource counting = new CountingDataSource(ds, open);
        int nominal = config.totalPoolSize();
        return new JdbcClient(counting, platformThreads(config.threads(), "jdbc-per-query"),
                () -> List.of(new DbClient.PoolState("none", nominal, open.get(), open.get(), 0, null)), () -> { }, () -> { });
    }

    static ExecutorService platformThreads(int n, String name) {
        AtomicInteger count = new AtomicInteger();
        ThreadFactory f = r -> {
            Thread t = new Thread(r, name + "-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        return Executors.newFixedThreadPool(n, f);
    }
}
