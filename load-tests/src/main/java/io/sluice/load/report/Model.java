package io.sluice.load.report;

import java.util.List;
import java.util.Map;

/**
 * The report's data model, written as JSON by {@link JsonReport} and read back from child JVMs. Field
 * names are the stable contract documented in {@code REPORT-SCHEMA.md}: add fields, never rename them.
 */
public final class Model {

    private Model() {
    }

    /** The whole run. */
    public record Report(int schemaVersion, String tool, String runId, String scenario, String scenarioDescription,
                         String startedAt, String finishedAt, Map<String, Object> settings, Environment environment,
                         List<ClientResult> clients, List<Comparison> comparisons, List<Target> targets,
                         List<String> warnings) {
    }

    public record Environment(String javaVersion, String javaVendor, String os, String cpu, int cpus, long memoryMb,
                              String postgresVersion, int maxConnections, String server, String pgbenchVersion,
                              String jdk21) {
    }

    /** One client (Sluice or a baseline) as measured in its own JVM or process. */
    public record ClientResult(String client, String role, String description, String process, String javaVersion,
                               Map<String, Integer> pools, List<SegmentResult> segments, List<TimelinePoint> timeline,
                               List<PoolPoint> poolTimeline, ServerConnections server, List<String> warnings,
                               String error) {

        /** A client that could not run: no figures, only why. */
        public static ClientResult failed(String client, String role, String description, String process, String why) {
            return new ClientResult(client, role, description, process, null, Map.of(), List.of(), List.of(), List.of(),
                    null, List.of(), why);
        }

        /** The measured (not warm-up) segment of that name, or null. */
        public SegmentResult measured(String segment) {
            return segments.stream().filter(s -> s.name().equals(segment) && !s.warmup()).findFirst().orElse(null);
        }

        /** A series of a measured segment, or null. */
        public SeriesResult series(String segment, String series) {
            SegmentResult seg = measured(segment);
            return seg == null ? null : seg.series().stream().filter(s -> s.series().equals(series)).findFirst().orElse(null);
        }
    }

    /**
     * A stretch of one client's run: a warm-up or a measured phase. {@code clientCpuSec} is the CPU time the
     * client's JVM used during it (harness included), {@code cpuMicrosPerOp} that divided by the work
     * finished; null where not measured (pgbench). {@code clientAllocBytes} is the heap memory the client's
     * JVM allocated during it (all threads, harness included), {@code allocBytesPerOp} that divided by the work
     * finished; null where not measured (pgbench). {@code machineCpuPct} is how busy the machine's CPUs were,
     * {@code otherCpuPct} the share used by processes other than the client and PostgreSQL, {@code stealCpuPct}
     * the share the hypervisor gave to other virtual machines (Linux only).
     */
    public record SegmentResult(String name, boolean warmup, double startSec, double durationSec, Double clientCpuSec,
                                Double cpuMicrosPerOp, Long clientAllocBytes, Double allocBytesPerOp,
                                Double machineCpuPct, Double otherCpuPct, Double stealCpuPct, List<SeriesResult> series) {
    }

    /**
     * One kind of work (an operation on a lane) within a segment. {@code warmupTo90PctSeconds}: closed loop
     * only, the seconds from the start of the load (its warm-up) until the timeline's rate first reached 90%
     * of {@code throughput}; null when never reached or not applicable (open loop).
     */
    public record SeriesResult(String series, String lane, String load, double throughput, double attemptedRate,
                               Outcomes outcomes, Map<String, Long> errorsByType, Map<String, LatencyStats> latencyMs,
                               List<PercentilePoint> percentiles, Map<String, String> hdr, Steadiness steadiness,
                               List<Double> roundThroughput, Double warmupTo90PctSeconds) {

        /** This series with its warm-up time set. */
        public SeriesResult withWarmupTo90PctSeconds(Double seconds) {
            return new SeriesResult(series, lane, load, throughput, attemptedRate, outcomes, errorsByType, latencyMs,
                    percentiles, hdr, steadiness, roundThroughput, seconds);
        }
    }

    public record Outcomes(long success, long rejected, long timeout, long error, long retries, long unfinished) {
        public long failures() {
            return rejected + timeout + error + unfinished;
        }
    }

    public record PercentilePoint(double percentile, double ms) {
    }

    /**
     * Whether the rate (closed loop) or latency (open loop) still moved during measurement.
     *
     * @param metric    {@code throughput} or {@code p50}
     * @param changePct last third's mean against the first third's, in percent
     */
    public record Steadiness(String metric, double firstThird, double lastThird, double changePct, boolean steady,
                             String note) {
    }

    /** One sampling interval of one series. Latencies of successes only, in ms; null when none completed. */
    public record TimelinePoint(double t, String segment, String series, long successes, long failures, double rate,
                                Double p50, Double p90, Double p99, Double max) {
    }

    /** One pool sampling interval: means and maxima over the interval. Null where a client does not expose it. */
    public record PoolPoint(double t, String pool, int maxSize, Integer allocated, Double acquired, Integer acquiredMax,
                            Double idle, Double pending, Integer pendingMax) {
    }

    /** Server-side connections of this client, counted in {@code pg_stat_activity} by {@code application_name}. */
    public record ServerConnections(List<ServerPoint> samples, Map<String, Integer> maxTotal,
                                    Map<String, Integer> maxActive, int leftoverAfterClose) {
    }

    public record ServerPoint(double t, String applicationName, int total, int active) {
    }

    /** One client against a baseline, on one series of one segment; ratios are client / baseline. */
    public record Comparison(String client, String baseline, String segment, String series, double throughputRatio,
                             double p50Ratio, double p99Ratio, double failureRateDelta, Double cpuPerOpRatio,
                             Double allocPerOpRatio) {
    }

    /** A target from the issue, evaluated on this run. {@code met} is null when it could not be judged. */
    public record Target(String name, String description, Boolean met, String measured, String threshold, String note) {
    }
}
