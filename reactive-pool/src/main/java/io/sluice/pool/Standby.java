package io.sluice.pool;

import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One standby of a lane: its own pool (the lane's settings, the standby's address) and what the last check
 * or the last failed acquire found. State changes are logged once each.
 */
final class Standby {

    private static final reactor.util.Logger LOG = reactor.util.Loggers.getLogger(Standby.class);

    final ServerConfig server;
    final LanePool pool;
    private final String lane;
    private volatile ReplicaStatus status;

    Standby(ServerConfig server, LaneConfig config) {
        this.server = server;
        this.pool = new LanePool(server, config);
        this.lane = config.lane().name();
        this.status = new ReplicaStatus(lane, server.describe(), ReplicaStatus.State.UP, null, -1, null, null, null);
    }

    ReplicaStatus status() {
        return status;
    }

    boolean inRotation() {
        return status.state() == ReplicaStatus.State.UP;
    }

    /** Whether it is known to have replayed {@code position} (from the last check). */
    boolean replayed(WalPosition position) {
        WalPosition r = status.replayed();
        return r != null && r.compareTo(position) >= 0;
    }

    /** A check's answer: in rotation, or lagging with the reason. */
    void checked(@Nullable Duration lag, long lagBytes, @Nullable WalPosition replayed, @Nullable String lagReason) {
        set(new ReplicaStatus(lane, server.describe(), lagReason == null ? ReplicaStatus.State.UP : ReplicaStatus.State.LAGGING,
                lag, lagBytes, replayed, lagReason, Instant.now()));
    }

    /** It did not answer a check or an acquire: out of rotation until a check reaches it. */
    void failed(Throwable e) {
        ReplicaStatus s = status;
        set(new ReplicaStatus(lane, server.describe(), ReplicaStatus.State.DOWN, s.lag(), s.lagBytes(), s.replayed(),
                String.valueOf(e.getMessage()), Instant.now()));
    }

    /** Raises the known replayed position after a read found it further on. */
    void sawReplayed(WalPosition position) {
        ReplicaStatus s = status;
        if (s.replayed() == null || s.replayed().compareTo(position) < 0) {
            status = new ReplicaStatus(s.lane(), s.server(), s.state(), s.lag(), s.lagBytes(), position, s.reason(), s.checkedAt());
        }
    }

    private void set(ReplicaStatus next) {
        ReplicaStatus before = status;
        status = next;
        if (before.state() != next.state()) {
            if (next.state() == ReplicaStatus.State.UP) {
                LOG.info("[lane {}] standby {} is back in rotation", lane, server.describe());
            } else {
                LOG.warn("[lane {}] standby {} is out of rotation ({}): {}", lane, server.describe(), next.state(), next.reason());
            }
        }
    }
}
