package io.sluice.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.load.report.Json;
import io.sluice.load.report.Model.ClientResult;
import io.sluice.load.report.Model.Report;
import io.sluice.load.report.Model.SegmentResult;
import io.sluice.load.report.Model.SeriesResult;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One short run of each scenario against the real database (the PG* variables, else 127.0.0.1:5432):
 * 2 s of warm-up and 3 s of measurement per client, checking that the report has every section and sane
 * figures. Performance targets are judged in the reports, never here.
 */
class ScenarioSmokeTest {

    @TempDir
    Path reports;

    private LoadTest.Outcome run(String scenario, String... extra) {
        List<String> args = new ArrayList<>(List.of("--scenario", scenario, "--warmup", "2s", "--duration", "3s",
                "--cooldown", "0", "--sample-interval", "500ms", "--progress", "plain", "--report-dir", reports.toString()));
        args.addAll(List.of(extra));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8)) {
            LoadTest.Outcome o = new LoadTest(Cli.parse(args.toArray(String[]::new)), out).run();
            System.out.println(log.toString(StandardCharsets.UTF_8));
            return o;
        }
    }

    /**
     * Every section present, every client ran, measured something and left no connection open. Errors and
     * rejections are unexpected; a timeout is not an error of the harness (the machine these tests run on
     * is shared, and a starved machine makes a 2 s acquire time out), so timeouts are printed, not failed.
     */
    private static Report check(LoadTest.Outcome o, Set<String> mayFail) throws Exception {
        assertThat(o.json()).exists();
        assertThat(o.html()).exists();
        assertThat(Files.readString(o.html())).contains("<svg").contains("Targets");
        Report r = Json.read(o.json(), Report.class);
        assertThat(r.schemaVersion()).isEqualTo(1);
        assertThat(r.settings()).containsKeys("scenario", "warmupMs", "durationMs");
        assertThat(r.environment()).isNotNull();
        assertThat(r.environment().maxConnections()).isPositive();
        assertThat(r.targets()).isNotEmpty();
        assertThat(r.comparisons()).isNotEmpty();
        assertThat(r.clients()).extracting(ClientResult::client).containsAll(r.settings().get("clients") instanceof List<?> l
                ? l.stream().map(String::valueOf).filter(c -> !c.startsWith("pgbench")).toList() : List.of());
        for (ClientResult c : r.clients()) {
            if (c.role().equals("reference") && c.error() != null && c.error().contains("from outside the harness")) {
                System.out.println("pgbench was stopped by someone else during the smoke run: " + c.error());
                continue;
            }
            assertThat(c.error()).as(c.client() + " error").isNull();
            assertThat(c.timeline()).as(c.client() + " timeline").isNotEmpty();
            assertThat(c.server()).as(c.client() + " server counts").isNotNull();
            assertThat(c.server().leftoverAfterClose()).as(c.client() + " connections left open").isZero();
            if (!c.role().equals("reference")) {
                assertThat(c.poolTimeline()).as(c.client() + " pool samples").isNotEmpty();
                assertThat(c.server().maxTotal().keySet()).as(c.client() + " server-side connections").anyMatch(k -> k.startsWith("sl-"));
            }
            List<SegmentResult> measured = c.segments().stream().filter(s -> !s.warmup()).toList();
            assertThat(measured).as(c.client() + " measured segments").isNotEmpty();
            for (SegmentResult seg : measured) {
                assertThat(seg.series()).as(c.client() + " " + seg.name()).isNotEmpty();
                if (c.javaVersion() != null) {
                    // the JVM's allocation counter moves in TLAB-sized steps: a short, light segment (the users
                    // scenario's) can read 0, so a JVM client must report a figure, not necessarily a positive one
                    assertThat(seg.allocBytesPerOp()).as(c.client() + " " + seg.name() + " bytes allocated per op")
                            .isNotNull().isNotNegative();
                } else {
                    assertThat(seg.allocBytesPerOp()).as(c.client() + " is no JVM client").isNull();
                }
                for (SeriesResult s : seg.series()) {
                    String what = c.client() + " " + seg.name() + "/" + s.series();
                    if (mayFail.contains(c.client()) && s.outcomes().success() == 0) {
                        continue; // e.g. the chaos scenario's black hole: nothing can succeed
                    }
                    assertThat(s.throughput()).as(what + " throughput").isPositive();
                    assertThat(s.latencyMs().get("success").p50()).as(what + " p50").isPositive();
                    assertThat(s.latencyMs().get("success").p99()).as(what + " p99")
                            .isGreaterThanOrEqualTo(s.latencyMs().get("success").p50());
                    assertThat(s.hdr()).as(what + " histogram").containsKey("success");
                    if (!mayFail.contains(c.client())) {
                        var out = s.outcomes();
                        assertThat(out.error() + out.rejected() + out.unfinished()).as(what + " failures " + s.errorsByType()).isZero();
                        if (out.timeout() > 0) {
                            System.out.println(what + ": " + out.timeout() + " timeout(s) on a busy machine: " + s.errorsByType());
                        }
                    }
                }
            }
        }
        return r;
    }

    @Test
    void throughputRunsSluiceAndEveryBaselineEachInItsOwnJvm() throws Exception {
        Report r = check(run("throughput"), Set.of());
        assertThat(r.clients()).extracting(ClientResult::client)
                .contains("sluice", "sluice-no-meters", "sluice-multiplexed", "r2dbc-pool", "r2dbc-pool-4", "hikari", "vertx", "vertx-pipelined");
        assertThat(r.targets()).extracting(t -> t.name()).containsExactly("throughput-vs-r2dbc-pool", "p99-vs-r2dbc-pool",
                "cpu-per-op-vs-r2dbc-pool", "bytes-per-op-vs-r2dbc-pool", "warm-up", "meters-cost",
                "multiplexed-vs-vertx-pipelined", "multiplexed-vs-r2dbc-pool-4");
        assertThat(r.targets()).allSatisfy(t -> assertThat(t.met()).isNotNull());
        // closed loop: the time to reach 90% of the measured throughput, counted from the start of the warm-up
        assertThat(r.clients()).filteredOn(c -> c.error() == null).allSatisfy(c -> assertThat(c.series("load", "point-read")
                .warmupTo90PctSeconds()).as(c.client() + " warm-up to 90%").isNotNull().isPositive().isLessThanOrEqualTo(5.5));
        assertThat(r.clients()).filteredOn(c -> c.client().equals("sluice")).singleElement()
                .satisfies(c -> assertThat(c.process()).doesNotContain("pid " + ProcessHandle.current().pid()));
        // thousands of queries a second: every JVM client's allocation per query is a measurable figure
        assertThat(r.clients()).filteredOn(c -> c.javaVersion() != null && c.error() == null).allSatisfy(c ->
                assertThat(c.segments().stream().filter(seg -> !seg.warmup()).findFirst().orElseThrow().allocBytesPerOp())
                        .as(c.client() + " bytes allocated per op").isPositive());
    }

    @Test
    void isolationMeasuresInteractiveReadsIdleAndUnderBackgroundLoad() throws Exception {
        // the shared pool is expected to fail interactive work under background load
        Report r = check(run("isolation", "--no-fork", "--clients", "sluice,sluice-lending-priority,r2dbc-pool"), Set.of("r2dbc-pool"));
        ClientResult sluice = r.clients().stream().filter(c -> c.client().equals("sluice")).findFirst().orElseThrow();
        // loaded first: the warm-up runs every code path the figures measure
        assertThat(sluice.segments()).extracting(SegmentResult::name).containsExactly("loaded-warmup", "loaded", "idle-warmup", "idle");
        assertThat(sluice.segments().get(1).series()).extracting(SeriesResult::series).containsExactly("point-read", "report-scan");
        assertThat(sluice.pools()).containsKeys("interactive", "background");
        assertThat(sluice.series("loaded", "point-read").warmupTo90PctSeconds()).as("open loop: no warm-up time").isNull();
        assertThat(r.targets()).extracting(t -> t.name()).containsExactly("interactive-p99-isolated", "interactive-no-failures",
                "shared-pool-collapses", "both-at-once-sluice", "both-at-once-sluice-lending-priority");
    }

    @Test
    void usersSimulatesFiveHundredSessionsWithMixedReadsAndWrites() throws Exception {
        Report r = check(run("users", "--no-fork", "--clients", "sluice,sluice-multiplexed,r2dbc-pool,hikari-vt,vertx"), Set.of());
        ClientResult sluice = r.clients().get(0);
        assertThat(sluice.segments().get(1).series()).extracting(SeriesResult::series)
                .containsExactlyInAnyOrder("view-item", "list-items", "rate-item", "history");
        assertThat(sluice.segments().get(1).series()).allSatisfy(s -> assertThat(s.load()).isEqualTo("users 500, think 1000 ms"));
    }

    @Test
    void connectionPerQueryComparesPooledWithConnectingEachTime() throws Exception {
        Report r = check(run("connection-per-query", "--no-fork"), Set.of());
        assertThat(r.clients()).extracting(ClientResult::client).contains("sluice", "r2dbc-per-query", "jdbc-per-query");
        assertThat(r.targets()).extracting(t -> t.name()).contains("pooled-vs-r2dbc-per-query", "pooled-vs-jdbc-per-query");
    }

    @Test
    void overloadRejectsAtOnceWhileThePlainPoolQueues() throws Exception {
        // both are expected to fail work at twice the capacity: Sluice by rejecting, the plain pool by timing out
        Report r = check(run("overload", "--no-fork"), Set.of("sluice", "sluice-multiplexed", "r2dbc-pool"));
        assertThat(r.clients()).extracting(ClientResult::client).containsExactly("sluice", "sluice-multiplexed", "r2dbc-pool");
        SeriesResult over = r.clients().get(0).segments().stream().filter(s -> s.name().equals("overload")).findFirst()
                .orElseThrow().series().get(0);
        assertThat(over.outcomes().rejected()).as("Sluice rejects above its capacity").isPositive();
        assertThat(r.targets()).extracting(t -> t.name()).containsExactly("rejection-p99", "admitted-p99", "multiplexed-overload-p99",
                "baseline-queues");
    }

    @Test
    void chaosInjectsEveryFaultAndReportsEachPhase() throws Exception {
        // an emulated restart: a real one would disturb every other user of the server
        Report r = check(run("chaos", "--no-fork", "--restart", "emulate"), Set.of("sluice", "r2dbc-pool"));
        ClientResult sluice = r.clients().get(0);
        assertThat(sluice.segments()).extracting(SegmentResult::name)
                .containsExactly("steady-warmup", "steady", "kill", "restart", "blackhole", "recovered");
        assertThat(sluice.warnings()).anyMatch(w -> w.contains("phase kill: fault injected"))
                .anyMatch(w -> w.contains("phase blackhole: fault injected"));
        assertThat(r.targets()).extracting(t -> t.name())
                .containsExactly("zero-errors-kill", "zero-errors-restart", "fail-fast", "recovers");
    }
}
