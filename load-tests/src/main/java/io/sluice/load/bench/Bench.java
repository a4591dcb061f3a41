package io.sluice.load.bench;

import io.sluice.load.Settings;
import io.sluice.load.client.ClientConfig;
import io.sluice.pool.ServerConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
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

/**
 * What the benchmarks outside the client-per-JVM machinery share (scenarios {@code bulk}, {@code background-job},
 * {@code http} and {@code fleet}): they measure
 * one library's ways of doing a job against each other and a baseline, in this JVM, so they do not go
 * through the client-per-JVM machinery of the point-read scenarios. Each prints a table and its targets
 * and writes a JSON report beside the others.
 */
public final class Bench {

    /** A judged target, as in the other reports. */
    public record Verdict(String id, String description, boolean met, String measured, String wanted) {
    }

    private Bench() {
    }

    public static boolean handles(String scenario) {
        return scenario.equals("bulk") || scenario.equals("background-job") || scenario.equals("http") || scenario.equals("fleet");
    }

    /** Runs the named benchmark; true when every target was met. */
    public static boolean run(Settings s, PrintStream out) throws Exception {
        return switch (s.scenario()) {
            case "bulk" -> new BulkBench(s, out).run();
            case "background-job" -> new JobBench(s, out).run();
            case "http" -> new HttpBench(s, out).run();
            case "fleet" -> new FleetBench(s, out).run();
            default -> throw new IllegalArgumentException("not a benchmark: " + s.scenario());
        };
    }

    static Connection admin(ServerConfig server) throws SQLException {
        return DriverManager.getConnection(ClientConfig.jdbcUrl(server), ClientConfig.jdbcProperties(server, "sluice-bench-admin"));
    }

    static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        s.sort(Double::compare);
        int n = s.size();
        return n == 0 ? 0 : n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    static String fmt(double v) {
        return v >= 100 ? String.format("%.0f", v) : String.format("%.2f", v);
    }

    /** Prints the verdicts and writes {@code <name>-<stamp>.json} with {@code figures} and them. */
    static boolean finish(Settings s, PrintStream out, String name, Map<String, Object> figures, List<Verdict> verdicts) throws IOException {
        out.println("\ntargets:");
        for (Verdict v : verdicts) {
            out.println(" [" + (v.met() ? " met " : "MISSED") + "] " + v.description() + ": " + v.measured() + " (want " + v.wanted() + ")");
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("scenario", name);
        report.put("startedAt", Instant.now().toString());
        report.put("rounds", s.rounds());
        report.put("figures", figures);
        List<Map<String, Object>> t = new ArrayList<>();
        for (Verdict v : verdicts) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", v.id());
            m.put("description", v.description());
            m.put("met", v.met());
            m.put("measured", v.measured());
            m.put("wanted", v.wanted());
            t.add(m);
        }
        report.put("targets", t);
        Path dir = Path.of(s.reportDir());
        Files.createDirectories(dir);
        Path file = dir.resolve(name + "-" + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(Instant.now()) + ".json");
        io.sluice.load.report.Json.write(file, report);
        out.println("report: " + file);
        return verdicts.stream().allMatch(Verdict::met);
    }
}
