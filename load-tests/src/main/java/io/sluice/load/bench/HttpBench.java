package io.sluice.load.bench;

import io.sluice.load.Settings;
import io.sluice.pool.ServerConfig;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;

/**
 * Scenario {@code http}: the example service driven over HTTP as its users would, run twice in one go — with
 * Sluice's lanes (the service's defaults) and with one shared pool of the same total size (its {@code shared}
 * profile) — or once against a running service ({@code SLUICE_HTTP_TARGET=http://host:port}, with
 * {@code SLUICE_HTTP_ADMIN_TOKEN}). Per configuration, three phases of {@code --duration}:
 * <ul>
 *   <li>idle: browsing and rating at {@code --rate} per second (default 200): recipe reads 70%, searches 15%,
 *       ratings 10% (with an Idempotency-Key), sign-ins 5%;</li>
 *   <li>loaded: the same, while weekly menus are requested at {@code --rate background=N} per second (default 5),
 *       the export streams every 2 s and the nightly aggregation runs over {@code --rows / 5} seeded ratings;</li>
 *   <li>overload: {@code --concurrency} clients (default 256, far more than the interactive lane admits) reading
 *       one recipe each as fast as answered, for half the duration.</li>
 * </ul>
 * Reports per endpoint throughput, latency percentiles (from the intended send time in the open-loop phases) and
 * status codes. Targets with lanes: no 5xx but deliberate 503 sheds, interactive p99 loaded within 1.5x of idle,
 * sheds answered in under 5 ms at p99, admitted requests under overload within 1.5x of idle p99.
 */
final class HttpBench {

    static final List<String> INTERACTIVE = List.of("recipe-read", "search", "rate", "sign-in");
    private static final int RECIPES = 200;
    private static final int USERS = 200;

    private final Settings s;
    private final PrintStream out;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String token = "http-bench-" + UUID.randomUUID();
    /** Per configuration: the service's own p99 for a shed read (its http.server.requests timer), in ms; null when unknown. */
    private final Map<String, Double> serverSide = new java.util.HashMap<>();

    HttpBench(Settings s, PrintStream out) {
        this.s = s;
        this.out = out;
    }

    boolean run() throws Exception {
        Map<String, Object> figures = new LinkedHashMap<>();
        List<Bench.Verdict> verdicts = new ArrayList<>();
        String target = System.getenv("SLUICE_HTTP_TARGET");
        if (target != null && !target.isBlank()) {
            Map<String, HttpLoad> phases = measure("target", target, System.getenv("SLUICE_HTTP_ADMIN_TOKEN"), null);
            figures.put("target", report(phases));
            verdicts.addAll(lanesVerdicts("target", phases));
            return Bench.finish(s, out, "http", figures, verdicts);
        }
        ServerConfig server = s.server();
        for (String config : List.of("lanes", "shared")) {
            String schema = s.schema() + "_http";
            dropSchema(server, schema);
            List<String> args = new ArrayList<>(List.of("--meal-planner.schema=" + schema, "--meal-planner.admin-token=" + token,
                    "--meal-planner.aggregation-cron=-", "--meal-planner.application-name=sluice-http-" + config));
            if (config.equals("shared")) {
                args.add("--spring.profiles.active=shared");
            }
            out.println("\n== " + config + ": starting the example service");
            Map<String, HttpLoad> phases;
            try (ServiceProcess service = ServiceProcess.start(server, args, Path.of(s.reportDir()))) {
                out.println("   " + service.baseUrl + ", log " + service.log);
                phases = measure(config, service.baseUrl, token, () -> seedRatings(server, schema));
            } finally {
                dropSchema(server, schema);
            }
            figures.put(config, report(phases));
            if (config.equals("lanes")) {
                verdicts.addAll(lanesVerdicts("lanes", phases));
            } else {
                double ratio = p99(merge(phases.get("loaded"), true)) / Math.max(1, p99(merge(phases.get("idle"), true)));
                long failures = serverErrors(phases);
                verdicts.add(new Bench.Verdict("http.shared.failure", "one shared pool: interactive p99 loaded / idle, or 5xx",
                        ratio > 1.5 || failures > 0, String.format("%.2fx, %d 5xx other than 503", ratio, failures),
                        "> 1.5x or 5xx (the plans' failure, which the lanes prevent)"));
            }
        }
        return Bench.finish(s, out, "http", figures, verdicts);
    }

    private Map<String, HttpLoad> measure(String config, String base, String admin, Runnable seed) throws Exception {
        Fixture f = Fixture.seed(http, base, RECIPES, USERS);
        if (seed != null) {
            seed.run();
        }
        double rate = s.rate("interactive", 200);
        double menus = s.rate("background", 5);
        Duration d = s.duration();
        Map<String, HttpLoad> phases = new LinkedHashMap<>();
        out.println("   warm-up " + s.warmup().toSeconds() + " s");
        interactive(new HttpLoad(http, Duration.ofSeconds(10)), f, base, rate, s.warmup());

        ExecutorService probes = Executors.newSingleThreadExecutor();
        out.println("   idle: " + rate + " requests/s for " + d.toSeconds() + " s (and " + (int) FLOOR_RATE
                + " liveness probes/s, the floor, in every phase)");
        HttpLoad idle = new HttpLoad(http, Duration.ofSeconds(10));
        Future<?> idleFloor = floor(probes, idle, base, d);
        phases.put("idle", interactive(idle, f, base, rate, d));
        idleFloor.get();

        out.println("   loaded: the same, with menus at " + menus + "/s, the export every 2 s and the aggregation");
        HttpLoad loaded = new HttpLoad(http, Duration.ofSeconds(10));
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        if (admin != null) {
            // one request (one arrival in 1 ms at 1000/s), recorded like the others
            loaded.openLoop(1000, Duration.ofMillis(1), () -> new HttpLoad.Call("aggregation", HttpLoad.request(base, "/admin/aggregation")
                    .header("Authorization", "Bearer " + admin).POST(HttpRequest.BodyPublishers.noBody()).build()), stop);
        }
        SplittableRandom menuRandom = new SplittableRandom(s.seed() + 1);
        Future<?> menuLoad = pool.submit(() -> loaded.openLoop(menus, d, () -> new HttpLoad.Call("menu",
                HttpLoad.request(base, "/users/" + f.user(menuRandom) + "/menus").header("Content-Type", "application/json")
                        .POST(HttpLoad.json("{}")).build()), stop));
        Future<?> exports = pool.submit(() -> loaded.openLoop(0.5, d, () -> new HttpLoad.Call("export",
                HttpLoad.request(base, "/export").GET().build()), stop));
        Future<?> loadedFloor = floor(probes, loaded, base, d);
        interactive(loaded, f, base, rate, d);
        loadedFloor.get();
        stop.set(true);
        menuLoad.get();
        exports.get();
        pool.shutdown();
        loaded.drain();
        phases.put("loaded", loaded);

        int clients = s.concurrency("interactive", 256);
        out.println("   overload: " + clients + " clients reading one recipe each, " + d.dividedBy(2).toSeconds() + " s");
        HttpLoad overload = new HttpLoad(http, Duration.ofSeconds(10));
        long id = f.recipes.get(0);
        Future<?> overFloor = floor(probes, overload, base, d.dividedBy(2));
        overload.closedLoop(clients, d.dividedBy(2), () -> new HttpLoad.Call("overload-read", HttpLoad.request(base, "/recipes/" + id).GET().build()));
        overFloor.get();
        probes.shutdown();
        overload.drain();
        phases.put("overload", overload);
        if (admin != null) {
            serverSide.put(config, serverShedP99(base, admin));
        }
        print(config, phases, d);
        return phases;
    }

    /** Probes per second of the floor: the service's liveness answer, which touches no database. */
    static final double FLOOR_RATE = 20;
    static final String FLOOR = "floor";

    /**
     * Starts the floor probe for {@code d} beside a phase: {@code GET /actuator/health/liveness}, answered by the
     * same service without the database, so its latency is what the machine's load (the service's CPU, the
     * generator's, the database server's) does to any answer; the phase's own requests are judged against it.
     */
    private static Future<?> floor(ExecutorService pool, HttpLoad load, String base, Duration d) {
        return pool.submit(() -> load.openLoop(FLOOR_RATE, d, () -> new HttpLoad.Call(FLOOR,
                HttpLoad.request(base, "/actuator/health/liveness").GET().build()), new AtomicBoolean()));
    }

    private HttpLoad interactive(HttpLoad load, Fixture f, String base, double rate, Duration d) {
        SplittableRandom r = new SplittableRandom(s.seed());
        Supplier<HttpLoad.Call> next = () -> {
            int pick = r.nextInt(100);
            if (pick < 70) {
                return new HttpLoad.Call("recipe-read", HttpLoad.request(base, "/recipes/" + f.recipe(r)).GET().build());
            } else if (pick < 85) {
                return new HttpLoad.Call("search", HttpLoad.request(base, "/recipes/search?q=" + Fixture.WORDS[r.nextInt(Fixture.WORDS.length)]).GET().build());
            } else if (pick < 95) {
                return new HttpLoad.Call("rate", HttpLoad.request(base, "/recipes/" + f.recipe(r) + "/ratings")
                        .header("Content-Type", "application/json").header("Idempotency-Key", UUID.randomUUID().toString())
                        .POST(HttpLoad.json("{\"stars\":" + (1 + r.nextInt(5)) + "}")).build());
            }
            return new HttpLoad.Call("sign-in", HttpLoad.request(base, "/sign-in").header("Content-Type", "application/json")
                    .POST(HttpLoad.json("{\"email\":\"" + f.email(r) + "\"}")).build());
        };
        load.openLoop(rate, d, next, new AtomicBoolean());
        load.drain();
        return load;
    }

    private List<Bench.Verdict> lanesVerdicts(String config, Map<String, HttpLoad> phases) {
        List<Bench.Verdict> v = new ArrayList<>();
        long failures = serverErrors(phases);
        v.add(new Bench.Verdict("http." + config + ".no-5xx", "with lanes: answers 5xx other than deliberate 503 sheds (and no answer)",
                failures == 0, Long.toString(failures), "0"));
        double idle = p99(merge(phases.get("idle"), true));
        double loaded = p99(merge(phases.get("loaded"), true));
        // the floor: what the phase's load does to the service's database-free answer, added to what is allowed
        double floorIdle = floorP99(phases.get("idle"));
        double floorLoaded = floorP99(phases.get("loaded"));
        double floorOver = floorP99(phases.get("overload"));
        double loadedAllowed = 1.5 * idle + Math.max(0, floorLoaded - floorIdle);
        v.add(new Bench.Verdict("http." + config + ".interactive-p99", "interactive p99 while menus and the aggregation run, against "
                + "idle; or against the floor: 1.5x idle plus what the same load adds to the service's liveness answer (no database)",
                loaded <= loadedAllowed, String.format("%.2f ms vs %.2f ms idle (%.2fx); floor p99 %.2f ms idle, %.2f ms loaded: "
                        + "allowed %.2f ms", loaded, idle, loaded / Math.max(0.001, idle), floorIdle, floorLoaded, loadedAllowed),
                "<= 1.5x idle + the floor's rise"));
        HttpLoad.Stats over = phases.get("overload").stats("overload-read");
        double shed = over.shed.getTotalCount() == 0 ? 0 : over.shed.getValueAtPercentile(99) / 1000.0;
        // closed loop: every answer, shed or served, waits its turn for the service's CPU; Little's law puts the mean
        // answer at clients / throughput whatever the service does with it
        long answers = over.all.getTotalCount();
        double seconds = s.duration().toMillis() / 2000.0;
        double floorMs = answers == 0 ? 0 : s.concurrency("interactive", 256) / (answers / seconds) * 1000;
        double overRise = Math.max(0, floorOver - floorIdle);
        double shedAllowed = 5 + overRise;
        v.add(new Bench.Verdict("http." + config + ".shed-p99", "under overload, a shed (503) is answered fast, as the client sees it: "
                + "under 5 ms, or 5 ms plus what the overload adds to the service's liveness answer (no database)",
                shed < shedAllowed, String.format("%.2f ms over %d sheds; liveness floor p99 %.2f ms under the overload (%.2f ms idle), "
                        + "allowed %.2f ms; the closed loop's Little's-law mean: %.1f ms", shed, over.shed.getTotalCount(), floorOver,
                        floorIdle, shedAllowed, floorMs), "< 5 ms + the floor's rise"));
        Double inService = serverSide.get(config);
        if (inService != null && inService == 0) {
            // Micrometer's percentiles cover a rotating window: 0 means it held no shed when read, not a fast one
            out.println("   (the service's window held no shed read when read: its in-service p99 is not judged)");
        } else if (inService != null) {
            v.add(new Bench.Verdict("http." + config + ".shed-p99-in-service", "under overload, a shed (503) is answered fast by the "
                    + "service: from the request read to the answer (its http.server.requests timer)", inService < 5,
                    String.format("%.2f ms", inService), "< 5 ms at p99"));
        }
        double served = over.served.getTotalCount() == 0 ? 0 : over.served.getValueAtPercentile(99) / 1000.0;
        double servedAllowed = 1.5 * idle + overRise;
        v.add(new Bench.Verdict("http." + config + ".admitted-p99", "under overload, admitted reads keep their latency: 1.5x idle p99, "
                + "plus what the overload adds to the service's liveness answer",
                served <= servedAllowed, String.format("%.2f ms vs %.2f ms idle; liveness floor p99 %.2f ms under the overload, allowed %.2f ms",
                        served, idle, floorOver, servedAllowed), "<= 1.5x idle p99 + the floor's rise"));
        // the example's request deadline is 2 s: an answer is due by then, plus a margin of 1 s
        HttpLoad.Stats probe = phases.get("overload").stats(FLOOR);
        long late = late(over, DUE_MICROS);
        long floorLate = late(probe, DUE_MICROS);
        long probes = probe.all.getTotalCount() + probe.count("error");
        v.add(new Bench.Verdict("http." + config + ".overload-answered", "under overload, every read answered (shed or served) within "
                + "its 2 s deadline plus 1 s, or no more often late than the service's database-free liveness probe",
                late == 0 || (double) late / Math.max(1, answers) <= (double) floorLate / Math.max(1, probes),
                String.format("%d of %d reads late or unanswered (%.3f%%); liveness probes: %d of %d (%.3f%%)", late, answers,
                        100.0 * late / Math.max(1, answers), floorLate, probes, 100.0 * floorLate / Math.max(1, probes)),
                "0, or no more often than the floor"));
        return v;
    }

    /**
     * The service's own p99 for answering a recipe read with 503: Spring Boot's {@code http.server.requests}
     * timer (the example publishes its 0.5 and 0.99 quantiles), read from its Prometheus endpoint.
     */
    private Double serverShedP99(String base, String admin) {
        try {
            HttpResponse<String> r = http.send(HttpLoad.request(base, "/actuator/prometheus").header("Authorization", "Bearer " + admin)
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            for (String line : r.body().split("\n")) {
                if (line.startsWith("http_server_requests_seconds{") && line.contains("status=\"503\"")
                        && line.contains("uri=\"/recipes/{id}\"") && line.contains("quantile=\"0.99\"")) {
                    return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)) * 1000;
                }
            }
            out.println("   (the service published no p99 for a shed read)");
        } catch (Exception e) {
            out.println("   (cannot read the service's own timings: " + e.getMessage() + ")");
        }
        return null;
    }

    private static long serverErrors(Map<String, HttpLoad> phases) {
        long n = 0;
        for (HttpLoad p : phases.values()) {
            for (HttpLoad.Stats st : p.stats.values()) {
                n += st.count("5") - st.count("503") + st.count("error");
            }
        }
        return n;
    }

    static Histogram merge(HttpLoad phase, boolean served) {
        Histogram h = new Histogram(3);
        for (String e : INTERACTIVE) {
            HttpLoad.Stats st = phase.stats.get(e);
            if (st != null) {
                h.add(served ? st.served : st.all);
            }
        }
        return h;
    }

    /** When an answer to a request with the example's 2 s deadline is late: the deadline plus a 1 s margin. */
    static final long DUE_MICROS = 3_000_000;

    /** Answers later than {@code micros}, and requests not answered at all. */
    static long late(HttpLoad.Stats st, long micros) {
        long over = st.all.getTotalCount() == 0 || st.all.getMaxValue() <= micros ? 0
                : st.all.getCountBetweenValues(micros + 1, st.all.getMaxValue());
        return over + st.count("error");
    }

    /** p99 of the phase's liveness probes (the floor), in ms; 0 when none answered. */
    static double floorP99(HttpLoad phase) {
        HttpLoad.Stats st = phase.stats.get(FLOOR);
        return st == null || st.all.getTotalCount() == 0 ? 0 : st.all.getValueAtPercentile(99) / 1000.0;
    }

    static double p99(Histogram h) {
        return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(99) / 1000.0;
    }

    private Map<String, Object> report(Map<String, HttpLoad> phases) {
        Map<String, Object> m = new LinkedHashMap<>();
        phases.forEach((phase, load) -> {
            Map<String, Object> endpoints = new LinkedHashMap<>();
            load.stats.forEach((e, st) -> {
                Map<String, Object> x = new LinkedHashMap<>();
                x.put("requests", st.all.getTotalCount());
                x.put("p50Ms", st.all.getValueAtPercentile(50) / 1000.0);
                x.put("p99Ms", st.all.getValueAtPercentile(99) / 1000.0);
                x.put("p999Ms", st.all.getValueAtPercentile(99.9) / 1000.0);
                x.put("maxMs", st.all.getMaxValue() / 1000.0);
                x.put("servedP99Ms", st.served.getTotalCount() == 0 ? null : st.served.getValueAtPercentile(99) / 1000.0);
                x.put("shedP99Ms", st.shed.getTotalCount() == 0 ? null : st.shed.getValueAtPercentile(99) / 1000.0);
                x.put("statuses", st.statusCounts());
                endpoints.put(e, x);
            });
            m.put(phase, endpoints);
        });
        return m;
    }

    private void print(String config, Map<String, HttpLoad> phases, Duration d) {
        out.printf("%n%-8s %-9s %-14s %9s %8s %8s %8s %8s  %s%n", config, "phase", "endpoint", "requests", "req/s", "p50 ms", "p99 ms",
                "p99.9 ms", "statuses");
        phases.forEach((phase, load) -> {
            double seconds = phase.equals("overload") ? d.toMillis() / 2000.0 : d.toMillis() / 1000.0;
            load.stats.forEach((e, st) -> out.printf("%-8s %-9s %-14s %9d %8.1f %8.2f %8.2f %8.2f  %s%n", "", phase, e,
                    st.all.getTotalCount(), st.all.getTotalCount() / seconds, st.all.getValueAtPercentile(50) / 1000.0,
                    st.all.getValueAtPercentile(99) / 1000.0, st.all.getValueAtPercentile(99.9) / 1000.0, st.statusCounts()));
        });
    }

    private void seedRatings(ServerConfig server, String schema) {
        long ratings = Math.max(1_000, s.rows() / 5);
        try (Connection c = Bench.admin(server); Statement st = c.createStatement()) {
            st.execute("INSERT INTO " + schema + ".rating (recipe_id, user_id, stars) SELECT r.id, u.id, 1 + g % 5 "
                    + "FROM generate_series(1, " + ratings + ") g "
                    + "JOIN LATERAL (SELECT id FROM " + schema + ".recipe OFFSET g % " + RECIPES + " LIMIT 1) r ON true "
                    + "JOIN LATERAL (SELECT id FROM " + schema + ".app_user OFFSET g % " + USERS + " LIMIT 1) u ON true");
            out.println("   seeded " + ratings + " ratings for the aggregation");
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("cannot seed ratings: " + e.getMessage(), e);
        }
    }

    private static void dropSchema(ServerConfig server, String schema) {
        try (Connection c = Bench.admin(server); Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("cannot drop schema " + schema + ": " + e.getMessage(), e);
        }
    }

    static HttpResponse<String> send(HttpClient http, HttpRequest r) throws Exception {
        return http.send(r, HttpResponse.BodyHandlers.ofString());
    }
}
