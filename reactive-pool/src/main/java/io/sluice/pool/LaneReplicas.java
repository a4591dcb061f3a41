package io.sluice.pool;

import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.ConfigurationException;
import io.sluice.Lane;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The read replicas of one {@link Lanes}: for each lane that reads from standbys, its router (installed on
 * the lane) and the check that keeps its standbys' states; their pools for start, refresh and close.
 */
final class LaneReplicas {

    private final Map<Lane, ReplicaRouter> routers = new LinkedHashMap<>();
    private final List<ReplicaChecker> checkers = new ArrayList<>();
    private volatile Disposable checks = Disposables.single();

    LaneReplicas(Map<Lane, PooledLane> lanes, Map<Lane, ReadReplicas> replicas, MeterRegistry meters) {
        replicas.forEach((lane, r) -> {
            PooledLane l = lanes.get(lane);
            ReplicaRouter router = new ReplicaRouter(l.config(), r, l::primaryAcquire, meters);
            l.routeReads(router);
            routers.put(lane, router);
            checkers.add(new ReplicaChecker(router, l.pool()));
        });
    }

    /**
     * Rejects, at build time, what could never connect: replicas for a lane that is not configured, a
     * standby that asks for a read-write server, a read-only lane on a server list that asks for one.
     */
    static void check(ServerConfig server, Map<Lane, LaneConfig> lanes, Map<Lane, ReadReplicas> replicas) {
        for (Map.Entry<Lane, ReadReplicas> r : replicas.entrySet()) {
            if (!lanes.containsKey(r.getKey())) {
                throw new ConfigurationException("readReplicas", "readReplicas(" + r.getKey() + ", ...) names a lane that is not configured");
            }
            for (ServerConfig s : r.getValue().standbys()) {
                if (wantsPrimary(s)) {
                    throw new ConfigurationException("targetSessionAttrs", "standby " + s.describe() + " of lane '"
                            + r.getKey().name() + "' asks for a read-write server, which a standby never is; "
                            + "leave its targetSessionAttrs at any (or standby)");
                }
            }
        }
        if (wantsPrimary(server)) {
            for (LaneConfig c : lanes.values()) {
                if (c.readOnly() || "on".equalsIgnoreCase(c.sessionSettings().getOrDefault("default_transaction_read_only", "off"))) {
                    throw new ConfigurationException("targetSessionAttrs", "lane '" + c.lane().name() + "' is read-only "
                            + "(default_transaction_read_only=on) and the server's target_session_attrs is "
                            + server.targetSessionAttrs().libpqName() + ", which is recognised by transaction_read_only "
                            + "being off: no host would ever match. Make the lane read-only per transaction "
                            + "(TxOptions.readOnly()) or use target_session_attrs any");
                }
            }
        }
    }

    /** Whether connections to {@code s} accept only a primary (read-write). */
    private static boolean wantsPrimary(ServerConfig s) {
        return s.targetSessionAttrs() == TargetSessionAttrs.READ_WRITE || s.targetSessionAttrs() == TargetSessionAttrs.PRIMARY;
    }

    /** Opens the standbys' initial connections; one that cannot be reached starts out of rotation. */
    Mono<Void> warmup() {
        return Flux.fromIterable(routers.values()).concatMap(ReplicaRouter::warmup).then();
    }

    /** Starts the checks (each lane's every {@link ReadReplicas#checkInterval()}). */
    void start(Scheduler scheduler) {
        Disposable.Composite all = Disposables.composite();
        checkers.forEach(c -> all.add(c.start(scheduler)));
        checks = all;
    }

    void stop() {
        checks.dispose();
        checkers.forEach(ReplicaChecker::close);
    }

    /** Every standby's pool. */
    List<LanePool> pools() {
        return routers.values().stream().flatMap(r -> r.standbys().stream()).map(s -> s.pool).toList();
    }

    /** The lane's standbys as last found; empty for a lane without. */
    List<ReplicaStatus> status(Lane lane) {
        ReplicaRouter r = routers.get(lane);
        return r == null ? List.of() : r.standbys().stream().map(Standby::status).toList();
    }

    /** Replaces every connection of the lane's standbys (see {@link LanePool#refresh}); nothing for a lane without. */
    Mono<Void> refresh(Lane lane, Scheduler scheduler) {
        ReplicaRouter r = routers.get(lane);
        return r == null ? Mono.empty() : Flux.fromIterable(r.standbys()).flatMap(s -> s.pool.refresh(scheduler)).then();
    }
}
