package io.sluice.load.scenario;

import io.sluice.Lane;
import io.sluice.load.Settings;
import io.sluice.load.report.Model.ClientResult;
import io.sluice.load.report.Model.Target;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;

/**
 * A scenario: the lanes and their pool sizes, the phases of load, which clients it compares, and how its
 * targets are judged. The measurement machinery is shared; a new scenario is one class implementing this,
 * registered in {@link Scenarios}.
 */
public interface Scenario {

    String name();

    String description();

    /** Sluice first, then the baselines it is compared with. */
    List<String> defaultClients();

    /** The lanes and their pool sizes; shared-pool baselines get one pool of the sum. */
    Map<Lane, Integer> poolSizes(Settings s);

    List<Phase> phases(Settings s);

    /** A pgbench script doing the same work, or null when pgbench has no equivalent of this scenario. */
    default String pgbenchScript(Settings s) {
        return null;
    }

    /** pgbench's client count: the pool's total size, the server connections the JVM clients get. */
    default int pgbenchClients(Settings s) {
        return poolSizes(s).values().stream().mapToInt(Integer::intValue).sum();
    }

    /** Runs once before the clients, on an admin connection, e.g. to empty a table the scenario writes. */
    default void prepare(Connection admin, Settings s) throws SQLException {
    }

    /**
     * The wait queue of Sluice's lanes in this scenario, or -1 for the run's {@code --max-pending}. Baselines
     * keep the run's setting (their own behaviour is what is compared).
     */
    default int sluiceQueue(Settings s) {
        return -1;
    }

    /**
     * The admission limit of {@code sluice-multiplexed}'s lanes in this scenario, or -1 for the lane's default
     * (maxSize + shared connections x statements per connection): a multiplexed lane of slow statements is
     * sized for them, since pipelining slow statements only queues them.
     */
    default int multiplexedAdmission(Settings s) {
        return -1;
    }

    /** Sluice's client-side timeout in this scenario (detects a server that stops answering), or null for none. */
    default java.time.Duration sluiceClientTimeout(Settings s) {
        return null;
    }

    /** Whether the clients connect through a fault-injecting proxy, which the phases' faults drive. */
    default boolean throughFaultProxy() {
        return false;
    }

    /** The targets for this scenario, judged on the results. */
    List<Target> targets(Settings s, List<ClientResult> results);
}
