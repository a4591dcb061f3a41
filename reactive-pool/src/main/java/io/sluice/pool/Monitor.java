package io.sluice.pool;

import io.sluice.Lane;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * What watches the lanes: every {@code alertInterval} a tick samples each lane's figures, notes saturation
 * for health, evaluates the alert rules and, when a server-wide rule needs it, refreshes a stale probe;
 * every {@code statsLogInterval} (when set) the stats lines. Health is put together on demand from the
 * live figures and the cached probe. Everything runs on the lanes' scheduler, whose clock it reads.
 */
final class Monitor {

    private static final reactor.util.Logger LOG = reactor.util.Loggers.getLogger(Monitor.class);

    private final List<FigureSampler> samplers = new ArrayList<>();
    private final Map<Lane, FigureSampler> byLane = new LinkedHashMap<>();
    private final Map<Lane, HealthCheck> checks = new LinkedHashMap<>();
    private final ServerProbe probe;
    private final AlertEngine alerts;
    private final StatsLog stats = new StatsLog();
    private final Duration alertInterval;
    private final @Nullable Duration statsInterval;
    private final Scheduler scheduler;
    private final boolean probeOnTick;
    private final Duration probeInterval;
    /** Per lane that cannot connect: when (scheduler millis) its last reconnect attempt started. */
    private final Map<Lane, Long> reconnects = new java.util.concurrent.ConcurrentHashMap<>();

    Monitor(List<PooledLane> lanes, Duration probeInterval, HealthPolicy policy, List<AlertRule> rules,
            Duration alertInterval, @Nullable Duration statsInterval, Scheduler scheduler) {
        for (PooledLane l : lanes) {
            FigureSampler s = new FigureSampler(l);
            samplers.add(s);
            byLane.put(l.lane(), s);
            checks.put(l.lane(), new HealthCheck(l, policy));
        }
        this.probe = new ServerProbe(lanes, probeInterval, policy, scheduler);
        this.alerts = new AlertEngine(rules);
        this.alertInterval = alertInterval;
        this.statsInterval = statsInterval;
        this.scheduler = scheduler;
        this.probeOnTick = rules.stream().anyMatch(AlertRule::server);
        this.probeInterval = probeInterval;
    }

    Disposable start() {
        Disposable.Composite all = Disposables.composite();
        all.add(Flux.interval(alertInterval, alertInterval, scheduler).onBackpressureDrop().subscribe(t -> safely(this::tick)));
        if (statsInterval != null) {
            all.add(Flux.interval(statsInterval, statsInterval, scheduler).onBackpressureDrop()
                    .subscribe(t -> safely(() -> stats.log(samplers, figures()))));
        }
        return all;
    }

    /** A failing tick is logged and the next one runs: an error would end the interval, and the watching with it. */
    private static void safely(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.warn("lanes monitor tick failed; the next tick runs as usual", e);
        }
    }

    private long now() {
        return scheduler.now(TimeUnit.MILLISECONDS);
    }

    /** One tick: rates, saturation, alerts; a stale probe refreshed in the background when a server rule needs it. */
    List<AlertEvent> tick() {
        long now = now();
        samplers.forEach(s -> s.advance(now));
        List<LaneFigures> figures = figures();
        for (int i = 0; i < samplers.size(); i++) {
            checks.get(samplers.get(i).lane().lane()).observe(figures.get(i), now);
        }
        if (probeOnTick) {
            refresh().subscribe(null, e -> { });
        }
        return alerts.isEmpty() ? List.of() : alerts.evaluate(now, figures);
    }

    private List<LaneFigures> figures() {
        ServerHealth server = probe.last();
        List<LaneFigures> out = new ArrayList<>(samplers.size());
        for (FigureSampler s : samplers) {
            out.add(s.sample(server));
        }
        return out;
    }

    LaneFigures figures(Lane lane) {
        return byLane.get(lane).sample(probe.last());
    }

    Mono<Health> health() {
        return refresh().then(Mono.fromSupplier(this::currentHealth));
    }

    /** The probe, when stale, and a reconnect attempt on each lane that cannot connect, at most one per interval each. */
    private Mono<Void> refresh() {
        List<Mono<Void>> work = new ArrayList<>();
        work.add(probe.current().then());
        long now = now();
        for (FigureSampler s : samplers) {
            PooledLane l = s.lane();
            if (!l.pool().isClosing() && HealthCheck.cannotConnect(l, l.pool().snapshot().allocated())) {
                Long last = reconnects.get(l.lane());
                if (last == null || now - last >= probeInterval.toMillis()) {
                    reconnects.put(l.lane(), now);
                    work.add(reconnect(l));
                }
            }
        }
        return Mono.when(work);
    }

    /** Opens (and pools) one connection of the lane: its success or failure is what health reads next. */
    private Mono<Void> reconnect(PooledLane l) {
        Duration timeout = l.config().acquireTimeout().plus(l.config().validationTimeout());
        return Mono.usingWhen(l.primaryAcquire(), c -> Mono.<Void>empty(), l::release, (c, e) -> l.discard(c), l::discard)
                .timeout(timeout, scheduler)
                .onErrorResume(e -> Mono.empty());
    }

    Health currentHealth() {
        long now = now();
        ServerHealth server = probe.last();
        Map<String, LaneHealth> lanes = new LinkedHashMap<>();
        HealthStatus status = HealthStatus.UP;
        List<String> reasons = new ArrayList<>();
        for (FigureSampler s : samplers) {
            LaneHealth h = checks.get(s.lane().lane()).judge(s.sample(server), now);
            lanes.put(h.lane(), h);
            status = status.worst(h.status());
            h.reasons().forEach(r -> reasons.add("lane " + h.lane() + ": " + r));
        }
        if (server != null) {
            status = status.worst(server.status());
            server.reasons().forEach(r -> reasons.add("server: " + r));
        }
        return new Health(status, reasons, Instant.ofEpochMilli(now), lanes, server, alerts.active());
    }

    Flux<AlertEvent> alerts() {
        return alerts.events();
    }

    List<AlertEvent> activeAlerts() {
        return alerts.active();
    }

    ServerProbe probe() {
        return probe;
    }

    void close() {
        alerts.close();
    }
}
