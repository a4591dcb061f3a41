package io.sluice.load.run;

import io.sluice.load.Settings;
import io.sluice.load.client.ClientConfig;
import io.sluice.load.client.Clients;
import io.sluice.load.client.DbClient;
import io.sluice.load.measure.ClosedLoopDriver;
import io.sluice.load.measure.Dispatch;
import io.sluice.load.measure.Driver;
import io.sluice.load.measure.NanoClock;
import io.sluice.load.measure.OpenLoopDriver;
import io.sluice.load.measure.Progress;
import io.sluice.load.measure.Recording;
import io.sluice.load.measure.Segment;
import io.sluice.load.measure.SeriesStats;
import io.sluice.load.measure.SteadyState;
import io.sluice.load.measure.UsersDriver;
import io.sluice.load.report.LatencyStats;
import io.sluice.load.report.Model.ClientResult;
import io.sluice.load.report.Model.SegmentResult;
import io.sluice.load.report.Model.SeriesResult;
import io.sluice.load.report.Model.ServerConnections;
import io.sluice.load.report.Model.TimelinePoint;
import io.sluice.load.report.SeriesResults;
import io.sluice.load.scenario.Load;
import io.sluice.load.scenario.Phase;
import io.sluice.load.scenario.Scenario;
import io.sluice.load.scenario.Scenarios;
import java.io.PrintStream;
import java.time.Duration;
import io.sluice.load.client.Clients;
import io.sluice.load.scenario.FaultContext;
import io.sluice.pool.ServerConfig;
import io.sluice.testing.FaultProxy;
import io.sluice.testing.PgBouncer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs one JVM client through a scenario's phases and measures it: builds the client, starts the monitor
 * and the server-side sampler, runs each phase's warm-up and measurement, drains the work in flight,
 * closes the client and checks it left no connection behind. Runs in a client JVM or, with
 * {@code --no-fork}, in the harness's own.
 */
public final class ClientRun {

    /** Open-loop work allowed in flight per run before the harness refuses more (counted as rejected). */
    static final int MAX_IN_FLIGHT = 20_000;
    /** Other processes' share of the machine's CPU above which a measured segment is flagged as disturbed. */
    static final double OTHERS_WARN_PCT = 5.0;

    private final ClientTask task;
    private final PrintStream out;
    /** Process CPU time (ns) at the start and end of each segment. */
    private final Map<String, long[]> cpuBySegment = new HashMap<>();
    /** Heap bytes allocated by this JVM's threads at the start and end of each segment. */
    private final Map<String, long[]> allocBySegment = new HashMap<>();
    /** The machine's CPU at the start and end of each segment. */
    private final Map<String, MachineCpu.Reading[]> machineBySegment = new HashMap<>();

    public ClientRun(ClientTask task, PrintStream out) {
        this.task = task;
        this.out = out;
    }

    public ClientResult run() {
        Settings s = task.settings();
        Scenario scenario = Scenarios.get(s.scenario());
        List<Phase> phases = scenario.phases(s);
        int maxConcurrency = phases.stream().mapToInt(Phase::maxConcurrency).max().orElse(0);
        FaultProxy proxy = scenario.throughFaultProxy() ? FaultProxy.start(s.server().host(), s.server().port()) : null;
        PgBouncer bouncer = Clients.throughPgBouncer(task.client()) ? pgBouncer(s, scenario) : null;
        ServerConfig target = bouncer != null ? through(s.server(), bouncer) : proxy == null ? s.server() : through(s.server(), proxy);
        int queue = task.client().startsWith(Clients.SLUICE) && scenario.sluiceQueue(s) >= 0 ? scenario.sluiceQueue(s) : s.maxPending();
        ClientConfig config = new ClientConfig(target, s.schema(), task.appPrefix(), scenario.poolSizes(s),
                Duration.ofMillis(s.acquireTimeoutMs()), queue, Math.max(s.threads(), maxConcurrency), s.latencyTarget(),
                scenario.sluiceClientTimeout(s), scenario.multiplexedAdmission(s));
        FaultContext faults = new FaultContext(proxy, s.server(), task.appPrefix(), s.restart());
        Map<String, Integer> pools = new LinkedHashMap<>();
        config.poolSizes().forEach((lane, size) -> pools.put(lane.name(), size));
        String process = "JVM " + Runtime.version() + ", pid " + ProcessHandle.current().pid();
        List<String> warnings = new ArrayList<>();
        Recording recording = new Recording(NanoClock.SYSTEM);
        Progress progress = progress(s);
        ServerSampler sampler = null;
        Monitor monitor = null;
        DbClient client = null;
        Map<String, Load> loadOfSeries = new HashMap<>();
        ServerConnections server = null;
        String error = null;
        try {
            // the sampler goes to the server directly, never through the fault proxy
            sampler = new ServerSampler(ClientConfig.jdbcUrl(s.server()), ClientConfig.jdbcProperties(s.server(), task.appPrefix()), task.appPrefix(),
                    s.sampleMs(), () -> recording.seconds(System.nanoTime()));
            client = Clients.create(task.client(), config);
            client.start();
            sampler.start();
            monitor = new Monitor(recording, client, progress, s.sampleMs());
            monitor.start();
            Dispatch dispatch = new Dispatch(client, recording, s.retries());
            long seed = s.seed();
            for (Phase phase : phases) {
                phase.loads().forEach(l -> l.ops().forEach(op -> loadOfSeries.put(phase.name() + "/" + op, l)));
                runPhase(phase, dispatch, recording, monitor, seed++, warnings, faults);
            }
        } catch (Exception | Error e) {
            error = e.getClass().getSimpleName() + ": " + e.getMessage();
        } finally {
            if (monitor != null) {
                monitor.stop();
            }
            if (proxy != null) {
                proxy.passThrough().blackHole(false).refuseNew(false);
            }
            if (client != null) {
                try {
                    client.close();
                } catch (RuntimeException e) {
                    warnings.add("closing the client failed: " + e.getMessage());
                }
            }
            if (proxy != null) {
                // connections whose Terminate the black hole swallowed stay open at the proxy until it closes
                proxy.close();
            }
            if (bouncer != null) {
                // its server connections carry this client's application_name: gone before the leftover check
                bouncer.close();
            }
            if (sampler != null) {
                sampler.stop();
                int leftover = sampler.leftover(5000);
                if (leftover != 0) {
                    warnings.add(leftover < 0 ? "could not check for connections left open after close"
                            : leftover + " connection(s) of this client were still open 5 s after it closed");
                }
                if (sampler.failure() != null) {
                    warnings.add("server-side sampling stopped early: " + sampler.failure());
                }
                server = sampler.result(leftover);
                sampler.close();
                String others = ServerSampler.othersWarning(server);
                if (others != null) {
                    warnings.add(others);
                }
            }
        }
        List<TimelinePoint> timeline = recording.timeline();
        List<SegmentResult> segments = new ArrayList<>();
        for (Segment seg : recording.segments()) {
            segments.add(segment(seg, recording, timeline, loadOfSeries, warnings));
        }
        segments = io.sluice.load.report.Rounds.mergeBlocks(segments);
        return new ClientResult(task.client(), Clients.role(task.client()), Clients.describe(task.client()), process,
                Runtime.version().toString(), pools, segments, timeline, monitor == null ? List.of() : monitor.pools(),
                server, warnings, error);
    }

    private static ServerConfig through(ServerConfig real, FaultProxy proxy) {
        ServerConfig.Builder b = ServerConfig.builder().host(proxy.host()).port(proxy.port()).database(real.database())
                .user(real.user()).sslMode(real.sslMode()).connectTimeout(Duration.ofSeconds(2));
        if (real.password() != null) {
            b.password(real.password());
        }
        return b.build();
    }

    /**
     * A PgBouncer in transaction mode in front of the server for a {@code -pgbouncer} client: as many server
     * connections as the pools hold directly, the run's search_path set by PgBouncer on each (connect_query).
     */
    private static PgBouncer pgBouncer(Settings s, Scenario scenario) {
        ServerConfig real = s.server();
        int size = scenario.poolSizes(s).values().stream().mapToInt(Integer::intValue).sum();
        return PgBouncer.start(real.host(), real.port(), real.user(), real.password(), size, "SET search_path = " + s.schema());
    }

    private static ServerConfig through(ServerConfig real, PgBouncer bouncer) {
        return ServerConfig.builder().host("127.0.0.1").port(bouncer.port()).database(real.database()).user(real.user())
                .sslMode(io.sluice.pool.SslMode.DISABLE).pooler(io.sluice.pool.PoolerMode.TRANSACTION).build();
    }

    private void runPhase(Phase phase, Dispatch dispatch, Recording recording, Monitor monitor, long seed,
                          List<String> warnings, FaultContext faults) throws InterruptedException {
        List<Driver> drivers = new ArrayList<>();
        for (Load load : phase.loads()) {
            drivers.add(driver(load, dispatch, recording.clock(), seed++));
        }
        if (!phase.warmup().isZero()) {
            begin(recording, phase.warmupSegment(), true);
            monitor.plan(phase.warmup().toMillis() / 1000.0);
            drivers.forEach(Driver::start);
            Thread.sleep(phase.warmup().toMillis());
            end(phase.warmupSegment());
            begin(recording, phase.name(), false);
        } else {
            begin(recording, phase.name(), false);
            drivers.forEach(Driver::start);
        }
        monitor.plan(phase.measure().toMillis() / 1000.0);
        if (phase.fault() != Phase.Fault.NONE) {
            try {
                String did = phase.fault().inject(faults);
                warnings.add("phase " + phase.name() + ": fault injected at its start: " + did);
            } catch (Exception e) {
                warnings.add("phase " + phase.name() + ": the fault could not be injected: " + e);
            }
        }
        Thread.sleep(phase.measure().toMillis());
        drivers.forEach(Driver::stop);
        recording.endCurrent();
        end(phase.name());
        for (Driver d : drivers) {
            if (d.maxSendLagNanos() > 100_000_000L) {
                warnings.add("phase " + phase.name() + ": the harness fell up to " + d.maxSendLagNanos() / 1_000_000
                        + " ms behind its open-loop schedule (counted in the latency); the machine may be overloaded");
            }
        }
        Duration drain = Duration.ofMillis(Math.max(30_000, 3 * task.settings().acquireTimeoutMs()));
        if (!dispatch.awaitIdle(drain)) {
            warnings.add("phase " + phase.name() + ": " + dispatch.inFlight() + " operation(s) had not finished "
                    + drain.toSeconds() + " s after the phase ended; counted as unfinished");
            recording.segments().forEach(Segment::seal);
        }
    }

    /** A warning when other processes or other virtual machines took a noticeable share of the CPU, else null. */
    static String disturbance(Double othersPct, Double stealPct) {
        StringBuilder sb = new StringBuilder();
        if (othersPct != null && othersPct > OTHERS_WARN_PCT) {
            sb.append("other processes used ").append(othersPct).append("% of the machine's CPU (another build or test suite?)");
        }
        if (stealPct != null && stealPct > OTHERS_WARN_PCT) {
            sb.append(sb.length() > 0 ? "; " : "").append("the hypervisor took ").append(stealPct)
                    .append("% of the CPU for other virtual machines (steal time)");
        }
        return sb.length() == 0 ? null : sb.append(": these figures are disturbed").toString();
    }

    private void begin(Recording recording, String segment, boolean warmup) {
        cpuBySegment.put(segment, new long[]{processCpuNanos(), -1});
        allocBySegment.put(segment, new long[]{allocatedBytes(), -1});
        machineBySegment.put(segment, new MachineCpu.Reading[]{MachineCpu.read(), null});
        recording.begin(segment, warmup);
    }

    private void end(String segment) {
        long[] cpu = cpuBySegment.get(segment);
        if (cpu != null) {
            cpu[1] = processCpuNanos();
        }
        long[] alloc = allocBySegment.get(segment);
        if (alloc != null) {
            alloc[1] = allocatedBytes();
        }
        MachineCpu.Reading[] m = machineBySegment.get(segment);
        if (m != null) {
            m[1] = MachineCpu.read();
        }
    }

    /** CPU time of this JVM so far; -1 where the platform does not say. */
    static long processCpuNanos() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os ? os.getProcessCpuTime() : -1;
    }

    /**
     * Heap bytes allocated by all threads of this JVM so far, those that ended included (HotSpot adds an
     * exiting thread's count to the total); -1 where the JVM does not say.
     */
    static long allocatedBytes() {
        try {
            return java.lang.management.ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
                    && t.isThreadAllocatedMemorySupported() && t.isThreadAllocatedMemoryEnabled()
                    ? t.getTotalThreadAllocatedBytes() : -1;
        } catch (UnsupportedOperationException e) {
            return -1;
        }
    }

    private static Driver driver(Load load, Dispatch dispatch, NanoClock clock, long seed) {
        return switch (load.mode()) {
            case OPEN -> new OpenLoopDriver(load.name(), load.rate(), load.work(), dispatch, clock, MAX_IN_FLIGHT, seed);
            case CLOSED -> new ClosedLoopDriver(load.concurrency(), load.work(), dispatch, clock, seed);
            case USERS -> new UsersDriver(load.users(), load.thinkMs() * 1_000_000L, load.work(), dispatch, clock, seed);
        };
    }

    private SegmentResult segment(Segment seg, Recording recording, List<TimelinePoint> timeline,
                                  Map<String, Load> loads, List<String> warnings) {
        double start = recording.seconds(seg.startNanos());
        double end = seg.endNanos() == 0 ? start : recording.seconds(seg.endNanos());
        double seconds = end - start;
        List<SeriesResult> series = new ArrayList<>();
        if (!seg.warmup()) {
            for (SeriesStats st : seg.series()) {
                Load load = loads.get(seg.name() + "/" + st.series());
                boolean closed = load != null && load.mode() == Load.Mode.CLOSED;
                List<TimelinePoint> points = timeline.stream()
                        .filter(p -> p.segment().equals(seg.name()) && p.series().equals(st.series())).toList();
                SeriesResult r = SeriesResults.of(st, load == null ? "" : load.describe(), closed, seconds, points);
                if (closed) {
                    r = r.withWarmupTo90PctSeconds(warmupSeconds(seg, st.series(), recording, timeline, r.throughput()));
                }
                if (!r.steadiness().steady()) {
                    warnings.add(seg.name() + "/" + st.series() + ": " + r.steadiness().note());
                }
                series.add(r);
            }
            series.sort(java.util.Comparator.comparing(SeriesResult::series));
        }
        long[] cpu = cpuBySegment.get(seg.name());
        Double cpuSec = cpu == null || cpu[0] < 0 || cpu[1] < 0 ? null : LatencyStats.round((cpu[1] - cpu[0]) / 1e9);
        long finished = series.stream().mapToLong(r -> r.outcomes().success() + r.outcomes().failures()).sum();
        Double perOp = cpuSec == null || finished == 0 ? null : LatencyStats.round(cpuSec * 1e6 / finished);
        long[] alloc = allocBySegment.get(seg.name());
        Long allocBytes = alloc == null || alloc[0] < 0 || alloc[1] < 0 ? null : alloc[1] - alloc[0];
        Double allocPerOp = allocBytes == null || finished == 0 ? null : (double) Math.round((double) allocBytes / finished);
        MachineCpu.Reading[] m = machineBySegment.getOrDefault(seg.name(), new MachineCpu.Reading[2]);
        Double others = MachineCpu.othersPct(m[0], m[1]);
        Double steal = MachineCpu.stealPct(m[0], m[1]);
        if (!seg.warmup()) {
            String disturbed = disturbance(others, steal);
            if (disturbed != null) {
                warnings.add(seg.name() + ": " + disturbed);
            }
        }
        return new SegmentResult(seg.name(), seg.warmup(), LatencyStats.round(start), LatencyStats.round(seconds), cpuSec,
                perOp, allocBytes, allocPerOp, MachineCpu.busyPct(m[0], m[1]), others, steal, series);
    }

    /**
     * Seconds from the start of a measured segment's load (its warm-up's start, else its own) until the
     * series' rate first reached 90% of {@code steady}, from the timeline of the warm-up and the measurement.
     */
    private static Double warmupSeconds(Segment seg, String series, Recording recording, List<TimelinePoint> timeline,
                                        double steady) {
        String warmup = seg.name() + "-warmup";
        long start = recording.segments().stream().filter(x -> x.name().equals(warmup)).mapToLong(Segment::startNanos)
                .findFirst().orElse(seg.startNanos());
        List<TimelinePoint> points = timeline.stream().filter(p -> p.series().equals(series)
                && (p.segment().equals(warmup) || p.segment().equals(seg.name()))).toList();
        return SteadyState.warmupSeconds(points, recording.seconds(start), steady);
    }

    private Progress progress(Settings s) {
        String label = task.client();
        return switch (s.progress()) {
            case "off" -> Progress.off();
            case "plain" -> new Progress(label, out, false, 5);
            default -> new Progress(label, out, System.console() != null, 5);
        };
    }
}
