package io.sluice.load.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.HdrHistogram.ConcurrentHistogram;

/**
 * A wrk-like HTTP driver in Java: requests sent at a fixed arrival rate (open loop; latency measured from each
 * request's intended send time, so a stalled server cannot hide its queue, as wrk2 does) or by a fixed number of
 * clients each sending its next request when the last answered (closed loop, as wrk does). Records, per endpoint,
 * a latency histogram and the status codes, split into answers below 500 and 503s so sheds and served requests
 * can be read apart.
 */
final class HttpLoad {

    /** One request to send: its endpoint name (for the report) and the request. */
    record Call(String endpoint, HttpRequest request) {
    }

    /** What one endpoint got. */
    static final class Stats {
        final ConcurrentHistogram all = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(2), 3);
        final ConcurrentHistogram served = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(2), 3);
        final ConcurrentHistogram shed = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(2), 3);
        final Map<String, AtomicLong> statuses = new ConcurrentHashMap<>();

        void record(String status, long micros) {
            long v = Math.max(1, Math.min(micros, all.getHighestTrackableValue()));
            all.recordValue(v);
            if (status.equals("503")) {
                shed.recordValue(v);
            } else if (status.startsWith("2") || status.startsWith("4")) {
                served.recordValue(v);
            }
            statuses.computeIfAbsent(status, s -> new AtomicLong()).incrementAndGet();
        }

        long count(String prefix) {
            return statuses.entrySet().stream().filter(e -> e.getKey().startsWith(prefix)).mapToLong(e -> e.getValue().get()).sum();
        }

        Map<String, Long> statusCounts() {
            Map<String, Long> m = new TreeMap<>();
            statuses.forEach((k, v) -> m.put(k, v.get()));
            return m;
        }
    }

    private final HttpClient http;
    private final Duration timeout;
    final Map<String, Stats> stats = new ConcurrentHashMap<>();
    private final AtomicLong inFlight = new AtomicLong();

    HttpLoad(HttpClient http, Duration timeout) {
        this.http = http;
        this.timeout = timeout;
    }

    Stats stats(String endpoint) {
        return stats.computeIfAbsent(endpoint, e -> new Stats());
    }

    /** Sends {@code next} calls at {@code perSecond} for {@code duration}, then waits for the answers (at most the timeout). */
    void openLoop(double perSecond, Duration duration, Supplier<Call> next, AtomicBoolean stop) {
        long interval = (long) (1e9 / perSecond);
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        for (long i = 0; !stop.get(); i++) {
            long intended = start + i * interval;
            if (intended >= end) {
                break;
            }
            long wait = intended - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            send(next.get(), intended, null);
        }
    }

    /** {@code clients} clients, each sending its next call when the last answered, for {@code duration}. */
    void closedLoop(int clients, Duration duration, Supplier<Call> next) throws InterruptedException {
        Semaphore slots = new Semaphore(clients);
        long end = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < end) {
            if (slots.tryAcquire(10, TimeUnit.MILLISECONDS)) {
                send(next.get(), System.nanoTime(), slots);
            }
        }
        slots.acquire(clients);
    }

    private void send(Call call, long intended, Semaphore slot) {
        Stats s = stats(call.endpoint());
        inFlight.incrementAndGet();
        HttpRequest request = HttpRequest.newBuilder(call.request(), (n, v) -> true).timeout(timeout).build();
        http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((r, e) -> {
            long micros = (System.nanoTime() - intended) / 1_000;
            s.record(e != null ? "error" : Integer.toString(r.statusCode()), micros);
            inFlight.decrementAndGet();
            if (slot != null) {
                slot.release();
            }
        });
    }

    /** Waits until every request sent has its answer (or its timeout). */
    void drain() {
        long end = System.nanoTime() + timeout.plusSeconds(5).toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < end) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    static HttpRequest.BodyPublisher json(String body) {
        return HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8);
    }

    static HttpRequest.Builder request(String base, String path) {
        return HttpRequest.newBuilder(URI.create(base + path));
    }
}
