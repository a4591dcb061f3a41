package io.sluice.pool;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;

/**
 * Every {@code priorityInterval}: while a lane with a latency target misses it (p99 of its work completed
 * since its last verdict, once at least 100 units completed or 5 intervals passed: the p99 of a handful is
 * noise), every lane of lower priority that had work since the last tick yields — its admission limit is
 * halved (never below 1) — and once every higher lane meets its target again, it grows back by a tenth of
 * its limit per verdict. A lane with no work is not what slows the higher one (a GC pause or a cold JIT
 * is): it keeps its limit, and does not start throttled when its work arrives.
 */
final class PriorityControl {

    private final List<PooledLane> lanes;

    PriorityControl(List<PooledLane> lanes) {
        this.lanes = List.copyOf(lanes);
    }

    /** Starts the periodic verdicts, when some lane has a latency target; otherwise nothing. */
    Disposable start(Duration interval, Scheduler scheduler) {
        if (lanes.stream().noneMatch(l -> l.config().latencyTarget() != null)) {
            return reactor.core.Disposables.single();
        }
        return Flux.interval(interval, interval, scheduler).onBackpressureDrop().subscribe(t -> adjust());
    }

    void adjust() {
        List<PooledLane> missing = new ArrayList<>();
        List<PooledLane> undecided = new ArrayList<>();
        for (PooledLane l : lanes) {
            Duration target = l.config().latencyTarget();
            if (target != null) {
                int verdict = l.gate().latencyVerdict(target.toNanos());
                if (verdict > 0) {
                    missing.add(l);
                } else if (verdict == 0) {
                    undecided.add(l);
                }
            }
        }
        for (PooledLane l : lanes) {
            AdmissionGate gate = l.gate();
            int priority = l.config().priority();
            boolean busy = gate.busySinceLastTick();
            if (missing.stream().anyMatch(h -> h.config().priority() > priority)) {
                if (busy) {
                    gate.yieldFactor(gate.yieldFactor() / 2);
                }
            } else if (undecided.stream().noneMatch(h -> h.config().priority() > priority)) {
                gate.yieldFactor(Math.min(1.0, gate.yieldFactor() + 0.1));
            }
        }
    }
}
