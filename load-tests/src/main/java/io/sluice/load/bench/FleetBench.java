package io.sluice.load.bench;

import io.sluice.load.Settings;
import io.sluice.load.report.Json;
import io.sluice.load.run.Seeder;
import io.sluice.pool.ServerConfig;
import io.sluice.pool.SslMode;
import io.sluice.testing.PgBouncer;
import io.sluice.testing.PrivateCluster;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Scenario {@code fleet}: {@value #INSTANCES} instances of a service, each a process of its own with lanes
 * whose sizes together exceed the server's {@code max_connections}, run the mixed load at once, against a
 * private cluster ({@code max_connections} {@value #MAX_CONNECTIONS}, started here with initdb and pg_ctl, so
 * a shared server is never exhausted). In one run: directly (Sluice checks the budget for the whole fleet
 * and runs with fitted sizes when it refuses; plain r2dbc-pool grows until the server refuses connections)
 * and through PgBouncer in transaction mode ({@value #BOUNCER_POOL} server connections for everyone). Reports
 * per instance the failures by type and SQLSTATE, p99 and the connections it held, and the server's peak
 * connections. Targets: Sluice without a failure in both modes, and through PgBouncer the server's
 * connections within PgBouncer's pool.
 */
final class FleetBench {

    static final int INSTANCES = 4;
    static final int MAX_CONNECTIONS = 40;
    static final int BOUNCER_POOL = 20;
    /** The role of the private cluster; any name works, trust auth. */
    static final String ROLE = "sluice";

    private final Settings s;
    private final PrintStream out;

    FleetBench(Settings s, PrintStream out) {
        this.s = s;
        this.out = out;
    }

    boolean run() throws Exception {
        long rows = Math.min(s.rows(), 100_000);
        Map<String, Integer> sizes = new LinkedHashMap<>();
        sizes.put("interactive", s.poolSize("interactive", 12));
        sizes.put("background", s.poolSize("background", 6));
        Map<String, Integer> concurrency = Map.of("interactive", s.concurrency("interactive", 12),
                "background", s.concurrency("background", 6));
        int perInstance = sizes.values().stream().mapToInt(Integer::intValue).sum();
        out.println("fleet: " + INSTANCES + " instances x lanes " + sizes + " = " + INSTANCES * perInstance
                + " connections wanted; private cluster max_connections=" + MAX_CONNECTIONS + ", PgBouncer pool " + BOUNCER_POOL
                + "; warm-up " + s.warmupMs() / 1000.0 + " s, measure " + s.durationMs() / 1000.0 + " s per run");
        List<FleetInstance.Result> all = new ArrayList<>();
        Map<String, Integer> serverPeak = new LinkedHashMap<>();
        try (PrivateCluster cluster = PrivateCluster.start(ROLE, MAX_CONNECTIONS)) {
            ServerConfig direct = ServerConfig.builder().host(cluster.host()).port(cluster.port()).user(ROLE)
                    .database(cluster.database()).sslMode(SslMode.DISABLE).build();
            try (Connection admin = Bench.admin(direct)) {
                Seeder.ensure(admin, "public", rows, out);
            }
            try (PgBouncer bouncer = PgBouncer.start(cluster.host(), cluster.port(), ROLE, BOUNCER_POOL, null)) {
                String directUrl = "postgresql://" + ROLE + "@" + cluster.host() + ":" + cluster.port() + "/" + cluster.database()
                        + "?sslMode=disable";
                String bouncerUrl = "postgresql://" + ROLE + "@127.0.0.1:" + bouncer.port() + "/" + cluster.database()
                        + "?sslMode=disable&pooler=transaction";
                for (String mode : List.of("direct", "pgbouncer")) {
                    for (String client : List.of("sluice", "r2dbc-pool")) {
                        Map<String, Integer> fitted = client.equals("sluice") && mode.equals("direct") ? fit(sizes) : Map.of();
                        String key = client + "/" + mode;
                        out.println("== " + key);
                        AtomicInteger peak = new AtomicInteger();
                        List<FleetInstance.Result> rs = runInstances(client, mode, mode.equals("direct") ? directUrl : bouncerUrl,
                                sizes, fitted, concurrency, rows, direct, peak);
                        serverPeak.put(key, peak.get());
                        rs.forEach(r -> out.println(line(r)));
                        out.println("   server: at most " + peak.get() + " client connections at once (max_connections "
                                + MAX_CONNECTIONS + ")");
                        all.addAll(rs);
                    }
                }
            }
        }
        return verdicts(all, serverPeak);
    }

    /** Sizes that fit the cluster for all instances: what an operator sets after the budget check's refusal. */
    private Map<String, Integer> fit(Map<String, Integer> sizes) {
        int room = (MAX_CONNECTIONS - 3 - 2 - 2) / INSTANCES;   // superuser reserve, budgetReserve, the harness's connections
        int total = sizes.values().stream().mapToInt(Integer::intValue).sum();
        Map<String, Integer> out = new LinkedHashMap<>();
        int left = room;
        List<String> lanes = new ArrayList<>(sizes.keySet());
        for (int i = 0; i < lanes.size(); i++) {
            int n = i == lanes.size() - 1 ? left : Math.max(1, Math.round((float) room * sizes.get(lanes.get(i)) / total));
            out.put(lanes.get(i), Math.max(1, n));
            left -= n;
        }
        return out;
    }

    private List<FleetInstance.Result> runInstances(String client, String mode, String url, Map<String, Integer> sizes,
                                                    Map<String, Integer> fitted, Map<String, Integer> concurrency, long rows,
                                                    ServerConfig direct, AtomicInteger peak) throws Exception {
        Path work = Files.createTempDirectory("sluice-fleet");
        List<Process> procs = new ArrayList<>();
        List<Path> results = new ArrayList<>();
        for (int i = 1; i <= INSTANCES; i++) {
            FleetInstance.Task task = new FleetInstance.Task(i, INSTANCES, client, mode, url, sizes, fitted, concurrency,
                    s.warmupMs(), s.durationMs(), rows, "fleet-" + client + "-", s.acquireTimeoutMs());
            Path taskFile = work.resolve("task-" + i + ".json");
            Path resultFile = work.resolve("result-" + i + ".json");
            Json.write(taskFile, task);
            List<String> cmd = new ArrayList<>(List.of(io.sluice.load.run.Jdks.currentJava(), "-Xmx256m", "-XX:+UseSerialGC"));
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), FleetInstance.class.getName(),
                    taskFile.toString(), resultFile.toString()));
            procs.add(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(work.resolve("out-" + i + ".log").toFile()).start());
            results.add(resultFile);
        }
        try (Connection admin = Bench.admin(direct); Statement st = admin.createStatement()) {
            long limit = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(s.warmupMs() + s.durationMs() + 180_000);
            while (procs.stream().anyMatch(Process::isAlive) && System.nanoTime() < limit) {
                try (ResultSet r = st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
                        + "AND pid <> pg_backend_pid()")) {
                    r.next();
                    peak.accumulateAndGet(r.getInt(1), Math::max);
                }
                Thread.sleep(250);
            }
        }
        List<FleetInstance.Result> out = new ArrayList<>();
        for (int i = 0; i < INSTANCES; i++) {
            Process p = procs.get(i);
            if (p.isAlive()) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            out.add(Files.exists(results.get(i)) ? Json.read(results.get(i), FleetInstance.Result.class)
                    : new FleetInstance.Result(i + 1, client, mode, null, sizes, List.of(), 0, "the instance process ended without "
                    + "a result: " + tail(work.resolve("out-" + (i + 1) + ".log"))));
        }
        io.sluice.load.run.Runs.deleteQuietly(work);
        return out;
    }

    private static String tail(Path log) {
        try {
            String s = Files.readString(log);
            return s.length() > 600 ? s.substring(s.length() - 600) : s;
        } catch (java.io.IOException e) {
            return "(no output)";
        }
    }

    static String line(FleetInstance.Result r) {
        StringBuilder b = new StringBuilder("   instance " + r.instance() + " " + r.sizes() + ", held at most " + r.peakConnections()
                + " connections");
        for (FleetInstance.Op op : r.ops()) {
            b.append("; ").append(op.op()).append(": ").append(op.ok()).append(" ok, ").append(op.failed()).append(" failed")
                    .append(op.failures().isEmpty() ? "" : " " + op.failures()).append(", p99 ").append(Bench.fmt(op.p99Ms())).append(" ms");
        }
        if (r.refusal() != null) {
            b.append("\n     start-up budget check refused the sizes asked for: ").append(r.refusal());
        }
        if (r.error() != null) {
            b.append("\n     ERROR ").append(r.error());
        }
        return b.toString();
    }

    private boolean verdicts(List<FleetInstance.Result> all, Map<String, Integer> serverPeak) throws Exception {
        List<Bench.Verdict> v = new ArrayList<>();
        for (String mode : List.of("direct", "pgbouncer")) {
            long failed = failures(all, "sluice", mode);
            boolean ran = all.stream().filter(r -> r.client().equals("sluice") && r.mode().equals(mode)).allMatch(r -> r.error() == null);
            v.add(new Bench.Verdict("sluice-" + mode + "-no-failures", "Sluice, " + INSTANCES + " instances " + mode
                    + ": no failed unit of work (no 53300 too many connections)", ran && failed == 0,
                    ran ? failed + " failed" : "did not run", "0"));
        }
        int peak = serverPeak.getOrDefault("sluice/pgbouncer", Integer.MAX_VALUE);
        v.add(new Bench.Verdict("pgbouncer-server-connections", "through PgBouncer the server holds at most its pool ("
                + BOUNCER_POOL + ") and the harness's own", peak <= BOUNCER_POOL + 2, peak + " at most", "<= " + (BOUNCER_POOL + 2)));
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("instances", INSTANCES);
        figures.put("maxConnections", MAX_CONNECTIONS);
        figures.put("pgbouncerPool", BOUNCER_POOL);
        figures.put("serverPeak", serverPeak);
        figures.put("results", all);
        out.println("\nr2dbc-pool direct: " + failures(all, "r2dbc-pool", "direct") + " failures, of them "
                + failures(all, "r2dbc-pool", "direct", "53300") + " with 53300 (too many connections)");
        return Bench.finish(s, out, "fleet", figures, v);
    }

    private static long failures(List<FleetInstance.Result> all, String client, String mode) {
        return failures(all, client, mode, "");
    }

    private static long failures(List<FleetInstance.Result> all, String client, String mode, String containing) {
        return all.stream().filter(r -> r.client().equals(client) && r.mode().equals(mode))
                .flatMap(r -> r.ops().stream())
                .flatMap(op -> op.failures().entrySet().stream())
                .filter(e -> e.getKey().contains(containing))
                .mapToLong(Map.Entry::getValue).sum();
    }
}
