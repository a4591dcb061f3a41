package io.sluice.load.client;

import io.sluice.Lane;
import io.sluice.pool.ServerConfig;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What every client of a run shares: the server, the schema holding the seeded data, the prefix of the
 * {@code application_name}s (so the server-side counts see only this run), the lanes' pool sizes (clients
 * with one shared pool get their sum) and the limits on waiting.
 *
 * @param threads       platform threads of the blocking (JDBC) clients, at least the highest closed-loop concurrency
 * @param latencyTarget the interactive lane's p99 target for the Sluice variants that yield to it
 * @param multiplexedAdmission the admission limit of {@code sluice-multiplexed}'s lanes, or -1 for the lane's default
 */
public record ClientConfig(ServerConfig server, String schema, String appPrefix, Map<Lane, Integer> poolSizes,
                           Duration acquireTimeout, int maxPendingAcquires, int threads, Duration latencyTarget,
                           @org.jspecify.annotations.Nullable Duration clientTimeout, int multiplexedAdmission) {

    public ClientConfig {
        poolSizes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(poolSizes));
    }

    /** The size of the one pool a shared-pool baseline gets: all lanes together. */
    public int totalPoolSize() {
        return poolSizes.values().stream().mapToInt(Integer::intValue).sum();
    }

    public String appName(String suffix) {
        String name = appPrefix + suffix;
        return name.length() > 63 ? name.substring(0, 63) : name;
    }

    /** {@code jdbc:postgresql://host:port/db}. */
    public String jdbcUrl() {
        return jdbcUrl(server);
    }

    public static String jdbcUrl(ServerConfig server) {
        return "jdbc:postgresql://" + server.host() + ":" + server.port() + "/" + server.database();
    }

    /** pgjdbc connection properties equivalent to the R2DBC clients' settings, with the run's schema. */
    public java.util.Properties jdbcProperties(String applicationName) {
        java.util.Properties p = jdbcProperties(server, applicationName);
        p.setProperty("currentSchema", schema);
        return p;
    }

    /** pgjdbc connection properties for {@code server}: user, password, TLS mode, timeouts, application_name. */
    public static java.util.Properties jdbcProperties(ServerConfig server, String applicationName) {
        java.util.Properties p = new java.util.Properties();
        p.setProperty("user", server.user());
        if (server.password() != null) {
            p.setProperty("password", server.password());
        }
        p.setProperty("ApplicationName", applicationName);
        p.setProperty("sslmode", server.sslMode().libpqName());
        p.setProperty("connectTimeout", String.valueOf(Math.max(1, server.connectTimeout().toSeconds())));
        p.setProperty("tcpKeepAlive", String.valueOf(server.tcpKeepAlive()));
        return p;
    }
}
