package io.sluice.load;

import io.sluice.load.client.Clients;
import io.sluice.load.scenario.Scenario;
import io.sluice.load.scenario.Scenarios;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the command line into {@link Settings}; every bad value is rejected with the option and the value. */
public final class Cli {

    /** A bad command line; the message says what was wrong. */
    public static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)?");

    /**
     * Every client JVM gets the same fixed heap. Left to itself, G1 sized a client's heap at about 70 MB and ran a
     * concurrent cycle (with a 5-10 ms Remark pause) every 4 s under the isolation scenario's load: the harness
     * measured the collector's pauses in the interactive p99, not the pool.
     */
    static final List<String> DEFAULT_JVM_ARGS = List.of("-Xms1g", "-Xmx1g");

    private Cli() {
    }

    public static String help() {
        StringBuilder sb = new StringBuilder();
        sb.append("""
                Sluice load-test harness: drives Sluice and, in the same run, the baselines a user would pick
                instead, and writes a JSON report (schema: load-tests/REPORT-SCHEMA.md) and an HTML report.

                Usage: java -jar load-tests/target/sluice-load.jar [options]

                Options:
                  --scenario NAME        which scenario to run (default throughput); see below
                  --clients LIST         comma-separated clients to run (default: the scenario's list)
                  --warmup DUR           warm-up before measuring, per client (default 30s; 500ms, 30s, 2m)
                  --duration DUR         measured time per client and phase (default 30s)
                  --rate [LANE=]N        open-loop arrival rate per second of a lane (repeatable)
                  --concurrency [LANE=]N closed-loop concurrency of a lane (repeatable)
                  --pool-size [LANE=]N   pool size of a lane (repeatable); shared-pool baselines get the sum
                                         (a value without LANE= applies to the interactive lane)
                  --users N              users scenario: simulated users (default 500)
                  --think DUR            users scenario: mean think time (default 1s)
                  --background KIND      isolation scenario: background queries, io (mostly waiting, default), scan (CPU-bound) or sleep
                  --db URL               r2dbc:postgresql://user:password@host:5432/db or postgresql://...
                                         (default: SLUICE_TEST_URL, else the PG* variables, else
                                         127.0.0.1:5432 as the OS user: the database the tests use)
                  --rows N               rows of the seeded items table (default 1000000)
                  --schema NAME          schema of the seeded data, kept between runs (default sluice_bench)
                  --report-dir DIR       where reports are written (default load-tests/reports)
                  --acquire-timeout DUR  how long a caller waits for a connection, all clients (default 2s)
                  --max-pending N        callers allowed to wait for a connection, all clients (default 1000)
                  --threads N            platform threads of the JDBC baselines (default 200, at least the concurrency)
                  --retries N            retry transient failures of work up to N times, all clients (default 0)
                  --latency-target DUR   interactive p99 target of sluice-priority (default 3ms)
                  --restart MODE         chaos: restart the server for real (pg_ctlcluster, local server, root),
                                         emulate it at the fault proxy (drop all, refuse for 0.3 s), or auto (default)
                  --sample-interval DUR  timeline and server sampling interval (default 1s)
                  --cooldown DUR         pause between clients (default 2s)
                  --rounds N             run the clients in turn N times and merge each client's rounds, so that
                                         other load on the machine falls on all clients alike (default 1)
                  --seed N               random seed (default 42)
                  --no-fork              run JVM clients in this JVM (quicker, less isolated); the virtual-thread
                                         baseline still gets its own JVM when this one is older than 21
                  --jdk21 PATH           a JDK 21+ home for the virtual-thread baseline (default: found by itself)
                  --jvm-arg ARG          an option for the client JVMs (repeatable); every client JVM starts with
                                         a fixed heap, -Xms1g -Xmx1g, and options given here come after it and win
                  --no-pgbench           leave pgbench out
                  --pgbouncer            also run each client that has one through a PgBouncer in transaction mode
                                         that the harness starts in front of the server (sluice-pgbouncer,
                                         r2dbc-pool-pgbouncer), to compare with the direct connections
                  --progress MODE        auto, line, plain or off (default auto)
                  --fail-on-miss         exit with status 3 when a target is missed
                  --help                 this text

                java -jar load-tests/target/sluice-load.jar --render REPORT.json
                                         writes REPORT.html again from a JSON report

                Clients:
                """);
        for (String c : Clients.names()) {
            sb.append(String.format(Locale.ROOT, "  %-18s %s%n", c, Clients.describe(c)));
        }
        sb.append("\nScenarios:\n");
        for (Scenario s : Scenarios.all()) {
            sb.append(String.format(Locale.ROOT, "  %-22s %s%n%-24s clients: %s%n", s.name(), s.description(), "",
                    String.join(", ", s.defaultClients())));
        }
        sb.append(String.format(Locale.ROOT, "  %-22s %s%n", "bulk", "rows/s into one table by row-by-row inserts, "
                + "batches (Statement.add), multi-row inserts and COPY, against psql \\copy of the same rows; in this JVM"));
        sb.append(String.format(Locale.ROOT, "  %-22s %s%n", "background-job", "a 1,000,000-user aggregation while interactive "
                + "reads arrive at --rate: the naive job (long transactions on one shared r2dbc-pool) against Sluice's "
                + "chunked Job on a background lane; in this JVM"));
        sb.append(String.format(Locale.ROOT, "  %-22s %s%n", "http", "the example service over HTTP (examples/target/sluice-examples.jar): "
                + "browsing and rating at --rate while menus (--rate background=N) and the aggregation run, then --concurrency "
                + "clients of overload; with lanes and with one shared pool of the same size (SLUICE_HTTP_TARGET: a running service)"));
        sb.append(String.format(Locale.ROOT, "  %-22s %s%n", "fleet", "4 instance processes whose lanes together exceed "
                + "max_connections, against a private cluster (initdb, max_connections 40): directly and through PgBouncer, "
                + "Sluice against plain r2dbc-pool; failures, p99 and connections per instance"));
        sb.append("""

                Each client runs in a JVM of its own (unless --no-fork): warm-up, then measurement, then its
                connections are closed and checked gone. Open-loop latency is measured from the intended send
                time, so queueing is never hidden. Exit status: 0 done, 2 bad usage, 3 a target missed with
                --fail-on-miss, 1 the run failed.
                """);
        return sb.toString();
    }

    public static Settings defaults() {
        return new Settings("throughput", List.of(), 30_000, 30_000, Map.of(), Map.of(), Map.of(), 500, 1000, null,
                1_000_000, "sluice_bench", "load-tests/reports", true, null, true, 1000, 42, 0, 2000, 1000, 200, "io",
                2000, "auto", false, List.of(), 1, 3, "auto");
    }

    public static Settings parse(String... args) {
        Settings d = defaults();
        String scenario = d.scenario();
        List<String> clients = new ArrayList<>();
        long warmup = d.warmupMs();
        long duration = d.durationMs();
        Map<String, Double> rates = new HashMap<>();
        Map<String, Integer> concurrency = new HashMap<>();
        Map<String, Integer> pools = new HashMap<>();
        int users = d.users();
        long think = d.thinkMs();
        String db = null;
        long rows = d.rows();
        String schema = d.schema();
        String reportDir = d.reportDir();
        boolean fork = true;
        String jdk21 = null;
        boolean pgbench = true;
        long sample = d.sampleMs();
        long seed = d.seed();
        int retries = 0;
        long acquire = d.acquireTimeoutMs();
        int maxPending = d.maxPending();
        int threads = d.threads();
        String background = d.background();
        long cooldown = d.cooldownMs();
        long latencyTarget = d.latencyTargetMs();
        String restart = d.restart();
        String progress = d.progress();
        boolean failOnMiss = false;
        boolean viaPgBouncer = false;
        List<String> jvmArgs = new ArrayList<>(DEFAULT_JVM_ARGS);
        int rounds = 1;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String value = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                value = a.substring(eq + 1);
                a = a.substring(0, eq);
            }
            switch (a) {
                case "--help", "-h" -> throw new UsageException("");
                case "--no-fork" -> fork = false;
                case "--no-pgbench" -> pgbench = false;
                case "--fail-on-miss" -> failOnMiss = true;
                case "--pgbouncer" -> viaPgBouncer = true;
                default -> {
                    if (value == null) {
                        if (i + 1 >= args.length) {
                            throw new UsageException(a.startsWith("--") ? "option " + a + " needs a value" : "unexpected argument '" + a + "'");
                        }
                        value = args[++i];
                    }
                    switch (a) {
                        case "--scenario" -> scenario = value;
                        case "--clients" -> clients = Arrays.stream(value.split(",")).map(String::trim).filter(c -> !c.isEmpty()).toList();
                        case "--warmup" -> warmup = millis(a, value, true);
                        case "--duration" -> duration = millis(a, value, false);
                        case "--rate" -> perLane(a, value, rates, v -> positiveDouble("--rate", v));
                        case "--concurrency" -> perLane(a, value, concurrency, v -> positiveInt("--concurrency", v));
                        case "--pool-size" -> perLane(a, value, pools, v -> positiveInt("--pool-size", v));
                        case "--users" -> users = positiveInt(a, value);
                        case "--think" -> think = millis(a, value, false);
                        case "--background" -> background = oneOf(a, value, "scan", "io", "sleep");
                        case "--db" -> db = value;
                        case "--rows" -> rows = positiveInt(a, value);
                        case "--schema" -> schema = value;
                        case "--report-dir" -> reportDir = value;
                        case "--jdk21" -> jdk21 = value;
                        case "--sample-interval" -> sample = Math.max(100, millis(a, value, false));
                        case "--seed" -> seed = parseLong(a, value);
                        case "--retries" -> retries = nonNegativeInt(a, value);
                        case "--latency-target" -> latencyTarget = millis(a, value, false);
                        case "--restart" -> {
                            if (!List.of("auto", "real", "emulate").contains(value)) {
                                throw new UsageException("--restart must be auto, real or emulate, was '" + value + "'");
                            }
                            restart = value;
                        }
                        case "--acquire-timeout" -> acquire = millis(a, value, false);
                        case "--max-pending" -> maxPending = nonNegativeInt(a, value);
                        case "--threads" -> threads = positiveInt(a, value);
                        case "--cooldown" -> cooldown = millis(a, value, true);
                        case "--progress" -> progress = oneOf(a, value, "auto", "line", "plain", "off");
                        case "--jvm-arg" -> jvmArgs.add(value);
                        case "--rounds" -> rounds = positiveInt(a, value);
                        default -> throw new UsageException("unknown option '" + a + "'");
                    }
                }
            }
        }
        try {
            Scenario sc = io.sluice.load.bench.Bench.handles(scenario) ? null : Scenarios.get(scenario);
            for (String c : clients) {
                if (!Clients.known(c)) {
                    throw new UsageException("--clients: unknown client '" + c + "'; known: " + String.join(", ", Clients.names()));
                }
            }
            if (clients.isEmpty() && sc != null) {
                clients = sc.defaultClients();
            }
            if (viaPgBouncer) {
                clients = clients.stream().flatMap(c -> Clients.withPgBouncerTwin(c).stream()).distinct().toList();
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException("--scenario: " + e.getMessage());
        }
        if (!schema.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw new UsageException("--schema must be lower-case letters, digits and _, starting with a letter, was '" + schema + "'");
        }
        if (rows < 100) {
            throw new UsageException("--rows must be at least 100, was " + rows);
        }
        return new Settings(scenario, clients, warmup, duration, rates, concurrency, pools, users, think, db, rows, schema,
                reportDir, fork, jdk21, pgbench, sample, seed, retries, acquire, maxPending, threads, background, cooldown,
                progress, failOnMiss, jvmArgs, rounds, latencyTarget, restart);
    }

    /** Parses {@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h}, {@code PT30S}, or a number of seconds. */
    public static long millis(String option, String value, boolean zeroAllowed) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        long ms;
        if (v.startsWith("pt")) {
            try {
                ms = Duration.parse(v.toUpperCase(Locale.ROOT)).toMillis();
            } catch (RuntimeException e) {
                throw new UsageException(option + " must be a duration like 500ms, 30s, 2m or PT30S, was '" + value + "'");
            }
        } else {
            Matcher m = DURATION.matcher(v);
            if (!m.matches()) {
                throw new UsageException(option + " must be a duration like 500ms, 30s, 2m or PT30S, was '" + value + "'");
            }
            double n = Double.parseDouble(m.group(1));
            String unit = m.group(2) == null ? "s" : m.group(2);
            ms = Math.round(n * switch (unit) {
                case "ms" -> 1;
                case "m" -> 60_000;
                case "h" -> 3_600_000;
                default -> 1000;
            });
        }
        if (ms < 0 || (ms == 0 && !zeroAllowed)) {
            throw new UsageException(option + " must be " + (zeroAllowed ? "zero or more" : "more than zero") + ", was '" + value + "'");
        }
        return ms;
    }

    private static <T> void perLane(String option, String value, Map<String, T> into, java.util.function.Function<String, T> parse) {
        int eq = value.indexOf('=');
        String lane = eq > 0 ? value.substring(0, eq).trim() : Settings.PRIMARY;
        if (eq > 0 && !lane.matches("[a-z][a-z0-9_-]{0,39}")) {
            throw new UsageException(option + ": '" + lane + "' is not a lane name");
        }
        into.put(lane, parse.apply(eq > 0 ? value.substring(eq + 1) : value));
    }

    private static int positiveInt(String option, String value) {
        int n = (int) parseLong(option, value);
        if (n <= 0) {
            throw new UsageException(option + " must be a positive whole number, was '" + value + "'");
        }
        return n;
    }

    private static int nonNegativeInt(String option, String value) {
        int n = (int) parseLong(option, value);
        if (n < 0) {
            throw new UsageException(option + " must be zero or more, was '" + value + "'");
        }
        return n;
    }

    private static long parseLong(String option, String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(option + " must be a whole number, was '" + value + "'");
        }
    }

    private static double positiveDouble(String option, String value) {
        try {
            double d = Double.parseDouble(value.trim());
            if (d > 0 && !Double.isInfinite(d)) {
                return d;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new UsageException(option + " must be a positive number, was '" + value + "'");
    }

    private static String oneOf(String option, String value, String... allowed) {
        for (String a : allowed) {
            if (a.equals(value)) {
                return value;
            }
        }
        throw new UsageException(option + " must be one of " + String.join(", ", allowed) + ", was '" + value + "'");
    }
}
