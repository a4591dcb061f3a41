package io.sluice.load.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.load.report.Model.Report;
import io.sluice.load.report.Model.SeriesResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Set;
import java.util.TreeSet;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {

    @TempDir
    Path dir;

    @Test
    void theJsonReportReadsBackWithEveryFigure() {
        Report r = SampleReport.build("sluice", "r2dbc-pool", "pgbench");
        Path file = dir.resolve("r.json");
        Json.write(file, r);
        Report back = Json.read(file, Report.class);

        assertThat(back.clients()).hasSize(3);
        assertThat(back.clients()).isEqualTo(r.clients());
        assertThat(back.comparisons()).isEqualTo(r.comparisons());
        assertThat(back.targets()).isEqualTo(r.targets());
        assertThat(back.environment()).isEqualTo(r.environment());
    }

    @Test
    void histogramsAreRecordedPerOutcomeAndEmbeddedLosslessly() {
        SeriesResult s = SampleReport.build("sluice").clients().get(0).segments().get(1).series().get(0);
        assertThat(s.outcomes().success()).isEqualTo(4900);
        assertThat(s.outcomes().error()).isEqualTo(100);
        assertThat(s.errorsByType()).containsEntry("error:SQLException[40001]", 100L);
        Histogram h = SeriesResults.decode(s.hdr().get("success"));
        assertThat(h.getTotalCount()).isEqualTo(4900);
        assertThat(h.getValueAtPercentile(99) / 1000.0).isEqualTo(s.latencyMs().get("success").p99());
        // 0.1 ms to 1.09 ms in 0.01 ms steps: the median is about 0.6 ms
        assertThat(s.latencyMs().get("success").p50()).isBetween(0.58, 0.61);
        assertThat(s.percentiles()).isNotEmpty();
        assertThat(s.percentiles().get(s.percentiles().size() - 1).percentile()).isEqualTo(100.0);
    }

    @Test
    void roundsOfOneClientMergeIntoOneResult() {
        var one = SampleReport.client("sluice", 1);
        var two = SampleReport.client("sluice", 2);
        var merged = Rounds.merge(java.util.List.of(one, two));
        SeriesResult a = one.series("load", "point-read");
        SeriesResult b = two.series("load", "point-read");
        SeriesResult m = merged.series("load", "point-read");

        assertThat(m.outcomes().success()).isEqualTo(a.outcomes().success() + b.outcomes().success());
        assertThat(m.errorsByType()).containsEntry("error:SQLException[40001]", 200L);
        assertThat(m.roundThroughput()).containsExactly(a.throughput(), b.throughput());
        assertThat(SeriesResults.decode(m.hdr().get("success")).getTotalCount()).isEqualTo(9800);
        assertThat(m.latencyMs().get("success").max()).isEqualTo(b.latencyMs().get("success").max());
        double seconds = one.measured("load").durationSec() + two.measured("load").durationSec();
        assertThat(merged.measured("load").durationSec()).isCloseTo(seconds, org.assertj.core.api.Assertions.within(0.002));
        assertThat(m.throughput()).isCloseTo(9800 / seconds, org.assertj.core.api.Assertions.within(0.2));
        assertThat(merged.process()).startsWith("2 rounds");
        // allocation is added up and divided by all the work, as CPU time is; the warm-up is the slowest round's
        assertThat(merged.measured("load").clientAllocBytes()).isEqualTo(9_000_000L);
        assertThat(merged.measured("load").allocBytesPerOp()).isEqualTo(900.0);
        assertThat(m.warmupTo90PctSeconds()).isNotNull()
                .isEqualTo(Math.max(a.warmupTo90PctSeconds(), b.warmupTo90PctSeconds()));
        assertThat(merged.timeline()).hasSize(one.timeline().size() + two.timeline().size());
    }

    @Test
    void comparisonsPutSluiceAgainstEachBaselineAndEveryoneAgainstPgbench() {
        Report r = SampleReport.build("sluice", "r2dbc-pool", "pgbench");
        assertThat(r.comparisons()).extracting(c -> c.client() + ">" + c.baseline())
                .containsExactlyInAnyOrder("sluice>r2dbc-pool", "sluice>pgbench", "r2dbc-pool>pgbench");
        var c = r.comparisons().stream().filter(x -> x.baseline().equals("r2dbc-pool")).findFirst().orElseThrow();
        // the baseline's fake is twice as slow
        assertThat(c.throughputRatio()).isBetween(1.9, 2.1);
        assertThat(c.p99Ratio()).isBetween(0.45, 0.55);
        assertThat(c.allocPerOpRatio()).isEqualTo(0.5);
    }

    @Test
    void everyJvmClientReportsBytesAllocatedPerOpAndTheWarmUpNextToCpuPerOp() {
        Report r = SampleReport.build("sluice", "r2dbc-pool");
        var seg = r.clients().get(0).measured("load");
        assertThat(seg.allocBytesPerOp()).isEqualTo(600.0);
        assertThat(seg.series().get(0).warmupTo90PctSeconds()).isNotNull().isPositive();

        String text = TextSummary.of(r);
        String header = text.lines().filter(l -> l.startsWith("client")).findFirst().orElseThrow();
        assertThat(header).containsSubsequence("cpu us/op", "alloc KB/op", "warm90 s");
        String sluice = text.lines().filter(l -> l.startsWith("sluice")).findFirst().orElseThrow();
        // 600 bytes = 0.6 KB; 1200 for the baseline, twice as slow
        assertThat(sluice.split(" +")[9]).isEqualTo("0.6");
        assertThat(sluice.split(" +")[10]).isEqualTo(String.format(java.util.Locale.ROOT, "%.1f",
                seg.series().get(0).warmupTo90PctSeconds()));
        assertThat(text.lines().filter(l -> l.startsWith("r2dbc-pool")).findFirst().orElseThrow().split(" +")[9]).isEqualTo("1.2");

        String html = HtmlReport.render(r);
        assertThat(html).contains("client alloc KB/op").contains("warm-up to 90% s").contains("<td>0.600</td>")
                .contains("client alloc per op");
    }

    @Test
    void everyFieldOfTheJsonIsDocumentedInTheSchema() throws Exception {
        String schema = Files.readString(Path.of("REPORT-SCHEMA.md"));
        JsonNode tree = new ObjectMapper().readTree(Json.string(SampleReport.build("sluice", "pgbench")));
        Set<String> fields = new TreeSet<>();
        collect(tree, fields, false);
        assertThat(fields).contains("schemaVersion", "throughputRatio", "leftoverAfterClose", "p999", "acquiredMax", "changePct");
        Set<String> undocumented = new TreeSet<>();
        for (String f : fields) {
            if (!schema.contains("`" + f + "`")) {
                undocumented.add(f);
            }
        }
        assertThat(undocumented).as("fields missing from REPORT-SCHEMA.md").isEmpty();
    }

    private static void collect(JsonNode node, Set<String> into, boolean freeKeys) {
        if (node.isObject()) {
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                if (!freeKeys) {
                    into.add(name);
                }
                // maps keyed by data (settings, errorsByType, pools, hdr, server counts) are documented as maps
                boolean mapValue = Set.of("settings", "errorsByType", "pools", "hdr", "maxTotal", "maxActive", "latencyMs").contains(name);
                collect(node.get(name), into, mapValue && !name.equals("latencyMs"));
                if (name.equals("latencyMs")) {
                    node.get(name).fields().forEachRemaining(e -> collect(e.getValue(), into, false));
                }
            }
        } else if (node.isArray()) {
            node.forEach(n -> collect(n, into, false));
        }
    }

    @Test
    void theHtmlPageIsSelfContainedWithChartsAndEscapedText() {
        Report r = SampleReport.build("sluice", "r2dbc-pool");
        String html = HtmlReport.render(r);
        assertThat(html).startsWith("<!DOCTYPE html>").contains("<svg").contains("Targets").contains("Results")
                .contains("Ratios").contains("latency by percentile").contains("throughput over time")
                .contains("pool occupancy").contains("server connections by application_name");
        assertThat(html).contains("another &lt;b&gt;").doesNotContain("another <b>");
        assertThat(html).doesNotContain("<script").doesNotContain("<link").doesNotContain("src=");
    }

    @Test
    void warmUpsAreShadedPerRoundFromTheTimeline() {
        var merged = Rounds.merge(java.util.List.of(SampleReport.client("sluice", 1), SampleReport.client("sluice", 1)));
        java.util.List<double[]> spans = HtmlReport.warmupSpans(java.util.List.of(merged));
        assertThat(spans).hasSize(2);
        assertThat(spans.get(1)[0]).isGreaterThan(spans.get(0)[1]);
    }

    @Test
    void percentileAxisLabelsReadAsPercentiles() {
        assertThat(HtmlReport.percentileLabel(1)).isEqualTo("0%");
        assertThat(HtmlReport.percentileLabel(10)).isEqualTo("90%");
        assertThat(HtmlReport.percentileLabel(100)).isEqualTo("99%");
        assertThat(HtmlReport.percentileLabel(1000)).isEqualTo("99.9%");
        assertThat(HtmlReport.percentileLabel(10000)).isEqualTo("99.99%");
    }
}
