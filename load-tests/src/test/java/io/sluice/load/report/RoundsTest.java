package io.sluice.load.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.load.measure.SeriesStats;
import io.sluice.load.report.Model.Outcomes;
import io.sluice.load.report.Model.SegmentResult;
import io.sluice.load.report.Model.SeriesResult;
import io.sluice.load.report.Model.Steadiness;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class RoundsTest {

    private static SegmentResult block(String name, double seconds, long micros, int count) {
        Histogram h = new Histogram(1, SeriesStats.MAX_MICROS, 3);
        h.recordValueWithCount(micros, count);
        Map<String, Histogram> byOutcome = new LinkedHashMap<>();
        byOutcome.put("success", h);
        SeriesResult s = SeriesResults.of("point-read", "interactive", "open 200/s", seconds,
                new Outcomes(count, 0, 0, 0, 0, 0), Map.of(), byOutcome, new Steadiness("p99", 1, 1, 0, true, ""));
        return new SegmentResult(name, name.endsWith("-warmup"), 0, seconds, 1.0, null, 1000L * count, 1000.0, 10.0, 1.0, 0.0,
                List.of(s));
    }

    @Test
    void blocksOfARepeatedPhaseMergeIntoOneSegmentEachInTheOrderTheyFirstRan() {
        List<SegmentResult> merged = Rounds.mergeBlocks(List.of(
                block("idle#1-warmup", 5, 500, 10), block("idle#1", 10, 500, 2000),
                block("loaded#1-warmup", 5, 900, 10), block("loaded#1", 10, 900, 2000),
                block("idle#2-warmup", 2, 500, 10), block("idle#2", 10, 20_000, 2000),
                block("loaded#2-warmup", 5, 900, 10), block("loaded#2", 10, 1_000, 2000)));

        assertThat(merged).extracting(SegmentResult::name).containsExactly("idle-warmup", "idle", "loaded-warmup", "loaded");
        SegmentResult idle = merged.get(1);
        assertThat(idle.durationSec()).isEqualTo(20.0);
        assertThat(idle.warmup()).isFalse();
        assertThat(idle.clientAllocBytes()).isEqualTo(4_000_000L);
        assertThat(idle.allocBytesPerOp()).isEqualTo(1000.0);
        assertThat(merged.get(0).warmup()).isTrue();
        SeriesResult reads = idle.series().get(0);
        assertThat(reads.outcomes().success()).isEqualTo(4000);
        assertThat(reads.throughput()).isEqualTo(200.0);
        // half the idle reads took 20 ms (a disturbed block): the merged p99 is the disturbed block's
        assertThat(reads.latencyMs().get("success").p99()).isBetween(19.9, 20.1);
        assertThat(reads.latencyMs().get("success").p50()).isBetween(0.49, 0.51);
        assertThat(reads.warmupTo90PctSeconds()).as("open loop").isNull();
    }

    @Test
    void segmentsThatAreNotBlocksPassThrough() {
        List<SegmentResult> in = List.of(block("steady-warmup", 5, 500, 1), block("steady", 10, 500, 100), block("kill", 10, 500, 100));
        assertThat(Rounds.mergeBlocks(in)).isEqualTo(in);
        assertThat(Rounds.blockOf("idle#12-warmup")).isEqualTo("idle-warmup");
        assertThat(Rounds.blockOf("loaded#3")).isEqualTo("loaded");
    }
}
