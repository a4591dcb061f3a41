package io.sluice.load.run;

import io.sluice.load.Settings;
import io.sluice.load.client.ClientConfig;
import io.sluice.load.client.Clients;
import io.sluice.load.measure.SeriesStats;
import io.sluice.load.measure.SteadyState;
import io.sluice.load.report.Model.ClientResult;
import io.sluice.load.report.Model.Outcomes;
import io.sluice.load.report.Model.SegmentResult;
import io.sluice.load.report.Model.SeriesResult;
import io.sluice.load.report.Model.ServerConnections;
import io.sluice.load.report.Model.TimelinePoint;
import io.sluice.load.report.SeriesResults;
import io.sluice.load.scenario.Items;
import io.sluice.load.scenario.Scenario;
import io.sluice.pool.ServerConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;

/**
 * pgbench as the reference: the same statement from C over libpq with prepared statements, as many
 * clients as the JVM clients have connections, {@code -C} for a new connection per transaction. Its
 * per-transaction log gives every latency, so its figures are computed exactly as the JVM clients' are:
 * the first {@code --warmup} seconds of its log are left out, the next {@code --duration} are measured.
 */
public final class Pgbench {

    private Pgbench() {
    }

    /** pgbench's version line, or null when it is not on the PATH. */
    public static String version() {
        try {
            Process p = new ProcessBuilder("pgbench", "--version").redirectErrorStream(true).start();
            String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 ? v : null;
        } catch (IOException | InterruptedException e) {
            return null;
        }
    }

    public static ClientResult run(String client, Settings s, Scenario scenario, String appPrefix, PrintStream out) {
        String script = scenario.pgbenchScript(s);
        if (script == null) {
            return Runs.failed(client, "pgbench", "scenario " + scenario.name() + " has no pgbench equivalent");
        }
        ServerConfig server = s.server();
        int clients = scenario.pgbenchClients(s);
        int threads = Math.max(1, Math.min(clients, Runtime.getRuntime().availableProcessors()));
        long totalSec = (long) Math.ceil((s.warmupMs() + s.durationMs()) / 1000.0) + 1;
        Path dir = null;
        ServerSampler sampler = null;
        List<String> warnings = new ArrayList<>();
        long t0 = System.nanoTime();
        try {
            dir = Files.createTempDirectory("sluice-pgbench");
            Path file = dir.resolve("script.sql");
            Files.writeString(file, script);
            List<String> cmd = new ArrayList<>(List.of("pgbench", "-n", "-M", "prepared", "-c", String.valueOf(clients),
                    "-j", String.valueOf(threads), "-T", String.valueOf(totalSec), "-f", file.toString(), "-l",
                    "--log-prefix=" + dir.resolve("log"), "-h", server.host(), "-p", String.valueOf(server.port()),
                    "-U", server.user()));
            if (client.equals("pgbench-connect")) {
                cmd.add(1, "-C");
            }
            cmd.add(server.database());
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            pb.environment().put("PGAPPNAME", appPrefix + client);
            pb.environment().put("PGSSLMODE", server.sslMode().libpqName());
            if (server.password() != null) {
                pb.environment().put("PGPASSWORD", server.password());
            }
            sampler = new ServerSampler(ClientConfig.jdbcUrl(server), ClientConfig.jdbcProperties(server, appPrefix),
                    appPrefix, s.sampleMs(), () -> (System.nanoTime() - t0) / 1e9);
            sampler.start();
            out.println("[" + client + "] " + String.join(" ", cmd));
            long startEpochMicros = System.currentTimeMillis() * 1000;
            MachineCpu.Reading before = MachineCpu.read();
            Process p = pb.start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(totalSec + 60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Runs.failed(client, "pgbench", "pgbench did not finish in " + (totalSec + 60) + " s");
            }
            MachineCpu.Reading after = MachineCpu.read();
            sampler.stop();
            int leftover = sampler.leftover(5000);
            ServerConnections conns = sampler.result(leftover);
            if (ServerSampler.othersWarning(conns) != null) {
                warnings.add(ServerSampler.othersWarning(conns));
            }
            if (p.exitValue() != 0) {
                warnings.add("pgbench exited with " + p.exitValue() + (p.exitValue() > 128 ? " (stopped by signal "
                        + (p.exitValue() - 128) + " from outside the harness)" : "") + ": " + tail(output));
            }
            Double others = MachineCpu.othersPct(before, after);
            Double steal = MachineCpu.stealPct(before, after);
            String disturbed = ClientRun.disturbance(others, steal);
            if (disturbed != null) {
                warnings.add(disturbed);
            }
            return parse(client, s, clients, threads, dir, startEpochMicros, conns, warnings,
                    new Double[]{MachineCpu.busyPct(before, after), others, steal});
        } catch (IOException | InterruptedException | java.sql.SQLException e) {
            return Runs.failed(client, "pgbench", "pgbench could not run: " + e.getMessage());
        } finally {
            if (sampler != null) {
                sampler.close();
            }
            Runs.deleteQuietly(dir);
        }
    }

    private static ClientResult parse(String client, Settings s, int clients, int threads, Path dir, long startEpochMicros,
                                      ServerConnections conns, List<String> warnings, Double[] machine) throws IOException {
        // log lines: client_id transaction_no latency_us script_no epoch_s epoch_us
        List<long[]> done = new ArrayList<>();
        long failedTx = 0;
        try (Stream<Path> logs = Files.list(dir)) {
            for (Path log : logs.filter(f -> f.getFileName().toString().startsWith("log")).toList()) {
                try (BufferedReader r = Files.newBufferedReader(log)) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        String[] f = line.split(" ");
                        if (f.length < 6) {
                            continue;
                        }
                        if (!Character.isDigit(f[2].charAt(0))) {
                            failedTx++;
                            continue;
                        }
                        done.add(new long[]{Long.parseLong(f[4]) * 1_000_000L + Long.parseLong(f[5]), Long.parseLong(f[2])});
                    }
                }
            }
        }
        if (done.isEmpty()) {
            return Runs.failed(client, "pgbench", "pgbench logged no transaction: " + String.join("; ", warnings));
        }
        long first = done.stream().mapToLong(d -> d[0] - d[1]).min().orElse(startEpochMicros);
        long from = first + s.warmupMs() * 1000;
        long to = from + s.durationMs() * 1000;
        Histogram all = SeriesStats.newHistogram();
        Map<Long, Histogram> perSecond = new TreeMap<>();
        long interval = Math.max(100, s.sampleMs()) * 1000;
        for (long[] d : done) {
            long micros = Math.min(SeriesStats.MAX_MICROS, Math.max(1, d[1]));
            if (d[0] >= from && d[0] < to) {
                all.recordValue(micros);
            }
            if (d[0] < to) {
                perSecond.computeIfAbsent((d[0] - first) / interval, k -> new Histogram(1, SeriesStats.MAX_MICROS, 3)).recordValue(micros);
            }
        }
        List<TimelinePoint> timeline = new ArrayList<>();
        String op = Items.POINT_READ_OP;
        for (Map.Entry<Long, Histogram> e : perSecond.entrySet()) {
            String segment = (e.getKey() + 1) * interval <= s.warmupMs() * 1000 ? "load-warmup" : "load";
            timeline.add(SeriesResults.point((e.getKey() + 1) * interval / 1e6, segment, op, e.getValue(), 0, interval / 1e6));
        }
        if (all.getTotalCount() == 0) {
            return Runs.failed(client, "pgbench", "pgbench completed no transaction in the measured window"
                    + (warnings.isEmpty() ? "" : ": " + String.join("; ", warnings)));
        }
        double seconds = s.durationMs() / 1000.0;
        Outcomes outcomes = new Outcomes(all.getTotalCount(), 0, 0, failedTx, 0, 0);
        Map<String, Histogram> byOutcome = new java.util.LinkedHashMap<>();
        byOutcome.put("success", all);
        SeriesResult series = SeriesResults.of(op, "interactive", "closed x" + clients + " (pgbench -c " + clients + " -j "
                        + threads + ")", seconds, outcomes, failedTx == 0 ? Map.of() : Map.of("error:pgbench-failed", failedTx),
                byOutcome, SteadyState.judge(timeline.stream().filter(p -> p.segment().equals("load")).toList(), true));
        // the timeline starts with pgbench's first transaction, the start of its warm-up
        series = series.withWarmupTo90PctSeconds(SteadyState.warmupSeconds(timeline, 0, series.throughput()));
        List<SegmentResult> segments = List.of(
                new SegmentResult("load-warmup", true, 0, s.warmupMs() / 1000.0, null, null, null, null, null, null, null,
                        List.of()),
                new SegmentResult("load", false, s.warmupMs() / 1000.0, seconds, null, null, null, null, machine[0], machine[1],
                        machine[2],
                        List.of(series)));
        return new ClientResult(client, Clients.role(client), Clients.describe(client), "pgbench (" + clients + " clients, "
                + threads + " threads)", null, Map.of("interactive", clients), segments, timeline, List.of(), conns, warnings, null);
    }


    private static String tail(String s) {
        String t = s.trim();
        return t.length() > 500 ? "…" + t.substring(t.length() - 500) : t;
    }

}
