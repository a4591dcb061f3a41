package io.sluice.load.run;

import io.sluice.load.measure.Threads;
import io.sluice.load.report.LatencyStats;
import io.sluice.load.report.Model.ServerConnections;
import io.sluice.load.report.Model.ServerPoint;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.DoubleSupplier;

/**
 * Counts the server's connections of this run by {@code application_name} in {@code pg_stat_activity},
 * once per interval, over its own JDBC connection (named {@code <prefix>monitor} and left out of the
 * counts). Names starting with the run's prefix are counted one by one; every other client connection is
 * counted under {@value #OTHERS}, so a reader sees when someone else was loading the server during the
 * run. After the client closed, {@link #leftover(long)} checks that none of its connections remain.
 */
public final class ServerSampler implements AutoCloseable {

    /** Connections of everyone else on the server (other sessions' tests, psql, ...), counted under one name. */
    public static final String OTHERS = "(others)";

    private static final String COUNT = "SELECT CASE WHEN starts_with(application_name, ?) THEN application_name ELSE '"
            + OTHERS + "' END, count(*), count(*) FILTER (WHERE state = 'active') FROM pg_stat_activity "
            + "WHERE backend_type = 'client backend' AND application_name <> ? AND pid <> pg_backend_pid() GROUP BY 1 ORDER BY 1";

    private final Connection connection;
    private final String prefix;
    private final String self;
    private final long intervalMs;
    private final DoubleSupplier seconds;
    private final List<ServerPoint> samples = new CopyOnWriteArrayList<>();
    private volatile boolean running;
    private Thread thread;
    private volatile String failure;

    public ServerSampler(String jdbcUrl, java.util.Properties props, String prefix, long intervalMs, DoubleSupplier seconds)
            throws SQLException {
        this.prefix = prefix;
        this.self = prefix + "monitor";
        this.intervalMs = intervalMs;
        this.seconds = seconds;
        java.util.Properties p = new java.util.Properties();
        p.putAll(props);
        p.setProperty("ApplicationName", self);
        this.connection = DriverManager.getConnection(jdbcUrl, p);
    }

    public void start() {
        running = true;
        thread = new Thread(() -> {
            while (running) {
                try {
                    sample();
                    Thread.sleep(intervalMs);
                } catch (InterruptedException e) {
                    return;
                } catch (SQLException e) {
                    failure = e.getMessage();
                    return;
                }
            }
        }, "load-server-sampler");
        thread.setDaemon(true);
        thread.start();
    }

    private synchronized Map<String, int[]> query() throws SQLException {
        Map<String, int[]> counts = new TreeMap<>();
        try (PreparedStatement ps = connection.prepareStatement(COUNT)) {
            ps.setString(1, prefix);
            ps.setString(2, self);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    counts.put(rs.getString(1), new int[]{rs.getInt(2), rs.getInt(3)});
                }
            }
        }
        return counts;
    }

    private void sample() throws SQLException {
        double t = LatencyStats.round(seconds.getAsDouble());
        query().forEach((name, c) -> samples.add(new ServerPoint(t, name, c[0], c[1])));
    }

    public void stop() {
        running = false;
        Threads.stop(thread, 5000);
    }

    /** Connections of this run still open, after waiting up to {@code waitMs} for them to go. */
    public int leftover(long waitMs) {
        long deadline = System.currentTimeMillis() + waitMs;
        int n;
        try {
            do {
                n = query().entrySet().stream().filter(e -> !e.getKey().equals(OTHERS)).mapToInt(e -> e.getValue()[0]).sum();
                if (n == 0) {
                    return 0;
                }
                Thread.sleep(100);
            } while (System.currentTimeMillis() < deadline);
        } catch (SQLException | InterruptedException e) {
            return -1;
        }
        return n;
    }

    /** The samples and, per application_name, the most connections (and active ones) seen at once. */
    public ServerConnections result(int leftover) {
        Map<String, Integer> maxTotal = new TreeMap<>();
        Map<String, Integer> maxActive = new TreeMap<>();
        for (ServerPoint p : samples) {
            maxTotal.merge(p.applicationName(), p.total(), Math::max);
            maxActive.merge(p.applicationName(), p.active(), Math::max);
        }
        return new ServerConnections(List.copyOf(samples), maxTotal, maxActive, leftover);
    }

    /** A warning when other connections were running statements on the server during the sampling, else null. */
    public static String othersWarning(ServerConnections c) {
        Integer others = c.maxActive().get(OTHERS);
        return others == null || others == 0 ? null : "up to " + others + " connection(s) of other users were active on the "
                + "server during this run; its figures may be disturbed";
    }

    /** Why sampling stopped early, or null. */
    public String failure() {
        return failure;
    }

    @Override
    public void close() {
        stop();
        try {
            connection.close();
        } catch (SQLException ignored) {
            // the monitor's own connection; nothing to do
        }
    }
}
