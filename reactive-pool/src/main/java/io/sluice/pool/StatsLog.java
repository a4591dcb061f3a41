package io.sluice.pool;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The opt-in stats line ({@code statsLogInterval}): one INFO line per lane for teams that live in logs,
 * with the rejections and admission timeouts since the lane's previous line.
 */
final class StatsLog {

    private static final reactor.util.Logger LOG = reactor.util.Loggers.getLogger(StatsLog.class);

    private final Map<String, long[]> last = new HashMap<>();

    synchronized void log(List<FigureSampler> samplers, List<LaneFigures> figures) {
        for (int i = 0; i < samplers.size(); i++) {
            LOG.info(line(samplers.get(i).lane().gate(), figures.get(i)));
        }
    }

    /** The line for one lane; moves its baseline. */
    synchronized String line(AdmissionGate gate, LaneFigures f) {
        long rejected = gate.rejected.sum();
        long timeouts = gate.queueTimeouts.sum();
        long[] before = last.put(f.lane(), new long[]{rejected, timeouts});
        long newRejections = before == null ? rejected : rejected - before[0];
        long newTimeouts = before == null ? timeouts : timeouts - before[1];
        return String.format("[lane %s] in flight %d (limit %d), waiting %d (max %d), connections used %d idle %d "
                        + "of max %d, p95 wait %.1f ms, rejections %d and timeouts %d since last line, breaker %s",
                f.lane(), f.inFlight(), f.limit(), f.waiting(), f.maxQueue(), f.connectionsUsed(), f.connectionsIdle(),
                f.maxSize(), f.waitP95Millis(), newRejections, newTimeouts, f.breakerState());
    }
}
