package io.sluice.pool;

import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The server's side, from the last health probe (one {@code SELECT} over {@code pg_stat_activity} on a
 * pooled connection, reused for {@code healthProbeInterval}). Counts are of client backends: every
 * connection that takes one of {@code max_connections}, whoever opened it.
 *
 * @param status            DOWN when the probe failed; DEGRADED when connections reach the policy's share of the limit
 * @param reasons           why, empty when UP
 * @param probedAt          when the probe answered or failed
 * @param probeMillis       how long the probe took
 * @param reachable         whether the probe got an answer
 * @param error             the probe's failure, or null
 * @param maxConnections    {@code max_connections}, or -1 when unreachable
 * @param superuserReserved {@code superuser_reserved_connections}, or -1
 * @param connectionLimit   {@code max_connections - superuser_reserved_connections}: what ordinary roles may open, or -1
 * @param connections       client connections open on the server, all clients together, or -1
 * @param thisApplication   those with one of these lanes' {@code application_name}s (this instance and its replicas), or -1
 * @param others            the rest: other services, psql, migrations, or -1
 * @param thisInstance      connections these lanes hold open now (from the pools, exact)
 * @param utilisation       {@code connections / connectionLimit}, or -1
 * @param probedThrough     the lane whose pooled connection ran the probe, or null when every lane was busy
 * @param holders           the server's client connections by role and {@code application_name}, most first
 *                          (at most {@value #HOLDERS}; other instances of this service among them), empty when
 *                          unreachable
 */
public record ServerHealth(HealthStatus status, List<String> reasons, Instant probedAt, long probeMillis,
                           boolean reachable, @Nullable String error, int maxConnections, int superuserReserved,
                           int connectionLimit, int connections, int thisApplication, int others, int thisInstance,
                           double utilisation, @Nullable String probedThrough, List<ConnectionHolder> holders) {

    /** The most holders a probe reports. */
    public static final int HOLDERS = 10;

    public ServerHealth {
        reasons = List.copyOf(reasons);
        holders = List.copyOf(holders);
    }

    /** Without the holders (none known). */
    public ServerHealth(HealthStatus status, List<String> reasons, Instant probedAt, long probeMillis,
                        boolean reachable, @Nullable String error, int maxConnections, int superuserReserved,
                        int connectionLimit, int connections, int thisApplication, int others, int thisInstance,
                        double utilisation, @Nullable String probedThrough) {
        this(status, reasons, probedAt, probeMillis, reachable, error, maxConnections, superuserReserved, connectionLimit,
                connections, thisApplication, others, thisInstance, utilisation, probedThrough, List.of());
    }
}
