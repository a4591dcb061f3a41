package io.sluice.pool;

/**
 * One lane's live figures at one moment: what health reads and what alert rules are written over
 * ({@link AlertRule}). Rates are per second over the last monitor tick ({@code alertInterval}); server
 * figures come from the last health probe and are -1 while none answered.
 *
 * @param lane                  the lane's name
 * @param inFlight              units of work admitted and not finished
 * @param waiting               units waiting for admission (the callers really waiting)
 * @param limit                 the admission limit now
 * @param maxQueue              the most units that may wait
 * @param utilisation           the larger of {@code inFlight / limit} and {@code connectionsUsed / maxSize}, 0..1 (above 1 while borrowing)
 * @param connectionsUsed       connections lent out now
 * @param connectionsIdle       connections open and idle
 * @param connectionsOpen       connections open (used and idle)
 * @param maxSize               the lane's maxSize
 * @param breakerState          {@code CLOSED}, {@code OPEN}, {@code HALF_OPEN}, ... or {@code NONE}
 * @param yieldFactor           1, or below 1 while the lane yields admission to a higher-priority lane
 * @param waitP95Millis         p95 of the admission waits that ended in the last minute (0 when none), waits ended by a timeout included
 * @param rejectionsPerSecond   work rejected at once (queue full) per second
 * @param timeoutsPerSecond     work that waited for admission longer than acquireTimeout, per second
 * @param serverConnections     client connections on the server (every client, not only this one), or -1
 * @param serverConnectionLimit {@code max_connections - superuser_reserved_connections}, or -1
 * @param serverUtilisation     {@code serverConnections / serverConnectionLimit}, or -1
 */
public record LaneFigures(String lane, int inFlight, int waiting, int limit, int maxQueue, double utilisation,
                          int connectionsUsed, int connectionsIdle, int connectionsOpen, int maxSize,
                          String breakerState, double yieldFactor, double waitP95Millis,
                          double rejectionsPerSecond, double timeoutsPerSecond,
                          int serverConnections, int serverConnectionLimit, double serverUtilisation) {
}
