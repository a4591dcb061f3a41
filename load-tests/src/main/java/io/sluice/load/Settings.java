package io.sluice.load;

import io.sluice.pool.ServerConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Everything a run was asked to do, as parsed by {@link Cli}. Immutable and plain (strings, numbers,
 * maps), because it is written into the report and handed to the client JVMs as JSON.
 *
 * <p>Per-lane maps are keyed by lane name; the key {@code *} (a value given without a lane) means the
 * interactive lane. An empty {@code clients} list means the scenario's own list.
 */
public record Settings(String scenario, List<String> clients, long warmupMs, long durationMs,
                       Map<String, Double> rates, Map<String, Integer> concurrency, Map<String, Integer> poolSizes,
                       int users, long thinkMs, String db, long rows, String schema, String reportDir, boolean fork,
                       String jdk21, boolean pgbench, long sampleMs, long seed, int retries, long acquireTimeoutMs,
                       int maxPending, int threads, String background, long cooldownMs, String progress,
                       boolean failOnMiss, List<String> jvmArgs, int rounds, long latencyTargetMs, String restart) {

    public static final String PRIMARY = "*";

    public Settings {
        clients = List.copyOf(clients);
        rates = Map.copyOf(rates);
        concurrency = Map.copyOf(concurrency);
        poolSizes = Map.copyOf(poolSizes);
        jvmArgs = List.copyOf(jvmArgs);
    }

    public Duration warmup() {
        return Duration.ofMillis(warmupMs);
    }

    /** The interactive lane's p99 target for the Sluice variants that yield to it. */
    public Duration latencyTarget() {
        return Duration.ofMillis(latencyTargetMs);
    }

    public Duration duration() {
        return Duration.ofMillis(durationMs);
    }

    public double rate(String lane, double fallback) {
        return lookup(rates, lane, fallback);
    }

    public int concurrency(String lane, int fallback) {
        return lookup(concurrency, lane, fallback);
    }

    public int poolSize(String lane, int fallback) {
        return lookup(poolSizes, lane, fallback);
    }

    private static <T> T lookup(Map<String, T> m, String lane, T fallback) {
        T v = m.get(lane);
        if (v == null && lane.equals("interactive")) {
            v = m.get(PRIMARY);
        }
        return v != null ? v : fallback;
    }

    /**
     * The server, found as the tests find it: {@code --db} when given, else {@code SLUICE_TEST_URL}, else the
     * {@code PG*} variables, else 127.0.0.1:5432 as the operating-system user.
     */
    public ServerConfig server() {
        if (db != null && !db.isBlank()) {
            return ServerConfig.fromUrl(db).build();
        }
        String url = System.getenv("SLUICE_TEST_URL");
        return url != null && !url.isBlank() ? ServerConfig.fromUrl(url).build() : ServerConfig.fromEnvironment().build();
    }

    public Settings withProgress(String mode) {
        return new Settings(scenario, clients, warmupMs, durationMs, rates, concurrency, poolSizes, users, thinkMs, db, rows,
                schema, reportDir, fork, jdk21, pgbench, sampleMs, seed, retries, acquireTimeoutMs, maxPending, threads,
                background, cooldownMs, mode, failOnMiss, jvmArgs, rounds, latencyTargetMs, restart);
    }

}
