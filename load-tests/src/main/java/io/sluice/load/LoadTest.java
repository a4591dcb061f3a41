package io.sluice.load;

import io.sluice.load.client.ClientConfig;
import io.sluice.load.client.Clients;
import io.sluice.load.client.VirtualThreads;
import io.sluice.load.report.Comparisons;
import io.sluice.load.report.HtmlReport;
import io.sluice.load.report.Json;
import io.sluice.load.report.Model.ClientResult;
import io.sluice.load.report.Model.Environment;
import io.sluice.load.report.Model.Report;
import io.sluice.load.report.Model.Target;
import io.sluice.load.report.Rounds;
import io.sluice.load.report.TextSummary;
import io.sluice.load.run.ChildLauncher;
import io.sluice.load.run.ClientRun;
import io.sluice.load.run.ClientTask;
import io.sluice.load.run.EnvironmentProbe;
import io.sluice.load.run.Jdks;
import io.sluice.load.run.Pgbench;
import io.sluice.load.run.Runs;
import io.sluice.load.run.Seeder;
import io.sluice.load.scenario.Scenario;
import io.sluice.load.scenario.Scenarios;
import io.sluice.pool.ServerConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One run of the harness: seeds the data, runs each client of the scenario in turn (each in its own JVM
 * unless {@code --no-fork}; pgbench as a process), compares them, judges the targets and writes the JSON
 * and HTML reports.
 */
public final class LoadTest {

    /** What a run produced. */
    public record Outcome(Report report, Path json, Path html, boolean missed) {
    }

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private final Settings settings;
    private final PrintStream out;

    public LoadTest(Settings settings, PrintStream out) {
        String progress = settings.progress().equals("auto") ? (System.console() != null ? "line" : "plain") : settings.progress();
        this.settings = settings.withProgress(progress);
        this.out = out;
    }

    public Outcome run() {
        Settings s = settings;
        Scenario scenario = Scenarios.get(s.scenario());
        ServerConfig server = s.server();
        Instant started = Instant.now();
        String tag = randomTag();
        String runId = STAMP.format(started) + "-" + tag;
        String prefix = "sl-" + tag + "-";
        String pgbenchVersion = s.pgbench() ? Pgbench.version() : null;
        Optional<String> jdk21 = VirtualThreads.available() ? Optional.of(Jdks.currentJava()) : Jdks.find21(s.jdk21());
        List<String> warnings = new ArrayList<>();
        Environment env;
        out.println("sluice-load " + scenario.name() + " against " + server.describe() + "; clients: "
                + String.join(", ", s.clients()) + "; warm-up " + s.warmupMs() / 1000.0 + " s, measure "
                + s.durationMs() / 1000.0 + " s per client");
        try (Connection admin = admin(server, prefix + "admin")) {
            Seeder.ensure(admin, s.schema(), s.rows(), out);
            scenario.prepare(admin, s);
            env = EnvironmentProbe.probe(admin, server.describe(), pgbenchVersion, jdk21.orElse(null));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot prepare the database at " + server.describe() + ": " + e.getMessage()
                    + ". Check that PostgreSQL is running and PGHOST/PGPORT/PGUSER/PGDATABASE (or --db) point at it", e);
        }
        Path work = Path.of(System.getProperty("java.io.tmpdir"), "sluice-load-" + runId);
        Map<String, List<ClientResult>> rounds = new LinkedHashMap<>();
        for (int round = 1; round <= s.rounds(); round++) {
            if (s.rounds() > 1) {
                out.println("-- round " + round + " of " + s.rounds());
            }
            for (String client : s.clients()) {
                ClientResult r = runClient(client, scenario, runId, prefix, jdk21, work, round == 1 ? warnings : new ArrayList<>());
                if (r == null) {
                    continue;
                }
                rounds.computeIfAbsent(client, k -> new ArrayList<>()).add(r);
                out.println(TextSummary.clientLine(r));
                pause(s.cooldownMs());
            }
        }
        List<ClientResult> results = new ArrayList<>();
        rounds.values().forEach(r -> results.add(Rounds.merge(r)));
        Runs.deleteQuietly(work);
        List<Target> targets = scenario.targets(s, results);
        for (ClientResult r : results) {
            r.warnings().forEach(w -> warnings.add(r.client() + ": " + w));
            if (r.error() != null) {
                warnings.add(r.client() + " failed: " + r.error());
            }
        }
        Report report = new Report(1, "sluice-load " + version(), runId, scenario.name(), scenario.description(),
                started.toString(), Instant.now().toString(), Json.toMap(s), env, results, Comparisons.of(results), targets,
                warnings);
        Path dir = Path.of(s.reportDir());
        String base = scenario.name() + "-" + STAMP.format(started);
        Path json = dir.resolve(base + ".json");
        Path html = dir.resolve(base + ".html");
        Json.write(json, report);
        HtmlReport.write(html, report);
        out.print(TextSummary.of(report));
        out.println("reports: " + json.toAbsolutePath() + "\n         " + html.toAbsolutePath());
        boolean missed = targets.stream().anyMatch(t -> Boolean.FALSE.equals(t.met()));
        return new Outcome(report, json, html, missed);
    }

    private ClientResult runClient(String client, Scenario scenario, String runId, String prefix, Optional<String> jdk21,
                                   Path work, List<String> warnings) {
        Settings s = settings;
        if (Clients.external(client)) {
            if (!s.pgbench()) {
                warnings.add(client + " skipped: --no-pgbench");
                return null;
            }
            if (Pgbench.version() == null) {
                warnings.add(client + " skipped: pgbench is not installed (it comes with the PostgreSQL client tools)");
                return null;
            }
            if (scenario.pgbenchScript(s) == null) {
                warnings.add(client + " skipped: scenario " + scenario.name() + " has no pgbench equivalent");
                return null;
            }
            out.println("== " + client + ": " + Clients.describe(client));
            return Pgbench.run(client, s, scenario, prefix, out);
        }
        ClientTask task = new ClientTask(s, client, runId, prefix);
        String java = Jdks.currentJava();
        boolean fork = s.fork();
        if (Clients.needsVirtualThreads(client) && !VirtualThreads.available()) {
            if (jdk21.isEmpty()) {
                warnings.add(client + " skipped: it needs JDK 21+ and none was found; give one with --jdk21 or SLUICE_JDK21");
                return null;
            }
            java = jdk21.get();
            fork = true;
        }
        out.println("== " + client + ": " + Clients.describe(client) + (fork ? " [own JVM: " + java + "]" : " [in this JVM]"));
        return fork ? ChildLauncher.run(task, java, s.jvmArgs(), work, out) : new ClientRun(task, out).run();
    }

    static Connection admin(ServerConfig server, String applicationName) throws SQLException {
        return DriverManager.getConnection(ClientConfig.jdbcUrl(server), ClientConfig.jdbcProperties(server, applicationName));
    }

    private static String randomTag() {
        String chars = "abcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            sb.append(chars.charAt(ThreadLocalRandom.current().nextInt(chars.length())));
        }
        return sb.toString();
    }

    private static String version() {
        String v = LoadTest.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
