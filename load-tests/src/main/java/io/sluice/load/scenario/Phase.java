package io.sluice.load.scenario;

import java.time.Duration;
import java.util.List;

/**
 * Loads run together: first {@code warmup} (recorded in segment {@code name-warmup}, kept out of the
 * figures), then {@code measure} (segment {@code name}).
 */
public record Phase(String name, Duration warmup, Duration measure, List<Load> loads, Fault fault) {

    /** Something done to the server or the network when the phase's measurement starts. */
    @FunctionalInterface
    public interface Fault {
        Fault NONE = ctx -> "";

        /** Injects the fault; returns what was done, for the report. */
        String inject(FaultContext ctx) throws Exception;
    }

    public Phase(String name, Duration warmup, Duration measure, List<Load> loads) {
        this(name, warmup, measure, loads, Fault.NONE);
    }

    public String warmupSegment() {
        return name + "-warmup";
    }

    public int maxConcurrency() {
        return loads.stream().mapToInt(l -> Math.max(l.concurrency(), l.users())).max().orElse(0);
    }
}
