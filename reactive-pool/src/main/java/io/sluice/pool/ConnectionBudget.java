package io.sluice.pool;

import io.r2dbc.spi.Connection;
import io.sluice.ConfigurationException;
import java.util.List;
import java.util.Set;
import java.util.function.ToIntFunction;
import java.util.stream.Collectors;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The start-up (and resize) check that the lanes fit the server's {@code max_connections}, counting what
 * the server already holds, not only these lanes: other services, psql, and other instances of this one.
 *
 * <p>{@code instances} is how many processes run these lanes against the server. With 1 (the default),
 * every connection the server holds that is not this process's counts as taken, siblings included. With
 * n &gt; 1, the lanes' total is counted n times, and the connections that carry one of the lanes'
 * {@code application_name}s (the siblings') are not counted again. The figures are a snapshot: a sibling
 * that grows later is covered only by {@code instances}.
 */
final class ConnectionBudget {

    /** Client backends by role and application_name, without the one asking; one row of zero when there are none. */
    static final String SQL = "SELECT current_setting('max_connections')::int, current_setting('superuser_reserved_connections')::int, "
            + "coalesce(a.usename::text, '?'), coalesce(a.application_name, ''), count(a.pid)::int "
            + "FROM (SELECT 1) one LEFT JOIN pg_stat_activity a ON a.pid <> pg_backend_pid() "
            + "AND (a.backend_type = 'client backend' OR (a.backend_type IS NULL AND a.datid IS NOT NULL)) "
            + "GROUP BY 1, 2, 3, 4 ORDER BY 5 DESC";

    private final List<PooledLane> lanes;
    private final int instances;
    private final Set<String> applicationNames;

    ConnectionBudget(List<PooledLane> lanes, int instances) {
        this.lanes = List.copyOf(lanes);
        this.instances = instances;
        this.applicationNames = lanes.stream().map(l -> l.config().applicationName()).collect(Collectors.toUnmodifiableSet());
    }

    /** Reads the server's limits and holders on {@code c}; fails with {@link ConfigurationException} when the lanes do not fit. */
    Mono<Void> check(Connection c, int reserve, ToIntFunction<PooledLane> size, String what) {
        return Flux.from(c.createStatement(SQL).execute())
                .concatMap(r -> r.map(row -> new Object[]{row.get(0, Integer.class), row.get(1, Integer.class),
                        new ConnectionHolder(row.get(2, String.class), row.get(3, String.class), row.get(4, Integer.class))}))
                .collectList()
                .flatMap(rows -> {
                    int max = (Integer) rows.get(0)[0];
                    int superuser = (Integer) rows.get(0)[1];
                    List<ConnectionHolder> holders = rows.stream().map(r -> (ConnectionHolder) r[2]).filter(h -> h.connections() > 0).toList();
                    return verdict(max, superuser, holders, reserve, size, what);
                });
    }

    private Mono<Void> verdict(int max, int superuser, List<ConnectionHolder> holders, int reserve, ToIntFunction<PooledLane> size, String what) {
        int own = lanes.stream().mapToInt(l -> l.pool().snapshot().allocated()).sum();
        int ours = holders.stream().filter(h -> applicationNames.contains(h.applicationName())).mapToInt(ConnectionHolder::connections).sum();
        int all = holders.stream().mapToInt(ConnectionHolder::connections).sum();
        // one instance: everything held but this process's own counts; several: the siblings are in instances × total
        int taken = instances == 1 ? Math.max(0, all - own) : all - ours;
        int allowed = max - superuser - reserve - taken;
        int wanted = lanes.stream().mapToInt(size).sum();
        if ((long) wanted * instances <= allowed) {
            return Mono.empty();
        }
        String each = lanes.stream().map(l -> l.lane().name() + "=" + size.applyAsInt(l)).collect(Collectors.joining(", "));
        String held = holders.stream().limit(6).map(ConnectionHolder::toString).collect(Collectors.joining(", "))
                + (holders.size() > 6 ? ", ..." : "");
        int fit = Math.max(0, allowed / instances);
        return Mono.error(new ConfigurationException("maxSize", what + "the lanes' maxSize add up to " + wanted + " (" + each + ")"
                + (instances > 1 ? " x " + instances + " instances = " + wanted * instances : "")
                + " but the server allows " + Math.max(0, allowed) + " for them: max_connections=" + max
                + " - superuser_reserved_connections=" + superuser + " - budgetReserve=" + reserve + " - " + taken
                + " held by " + (instances > 1 ? "other clients" : "others") + (holders.isEmpty() ? "" : " (role/application_name: " + held + ")")
                + (instances == 1 && ours - own > 0 ? "; " + (ours - own) + " of them carry these lanes' application_names: other "
                        + "instances of this service? Declare how many run with Lanes.Builder.instances(n)" : "")
                + ". Lower the lanes' maxSize (to " + fit + " in all" + (instances > 1 ? " per instance" : "") + "), lower budgetReserve, "
                + "put a pooler such as PgBouncer in front (ServerConfig pooler=transaction), or raise max_connections"));
    }
}
