package io.sluice.pool;

import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One standby of a lane that reads from standbys, as the last check found it ({@link Lanes#replicas}).
 *
 * @param lane      the lane's name
 * @param server    where the standby is ({@link ServerConfig#describe()})
 * @param state     whether it takes reads now
 * @param lag       how far behind the primary it was, or null when not known (the primary did not answer, or no check ran yet)
 * @param lagBytes  bytes of WAL behind the primary, or -1 when not known
 * @param replayed  what it had replayed, or null when not known
 * @param reason    why it is out of rotation (its error, or its lag against the bound), or null when it is in
 * @param checkedAt when it was last checked, or null before the first check
 */
public record ReplicaStatus(String lane, String server, State state, @Nullable Duration lag, long lagBytes,
                            @Nullable WalPosition replayed, @Nullable String reason, @Nullable Instant checkedAt) {

    /** Whether a standby takes reads. */
    public enum State {
        /** In rotation. */
        UP,
        /** Answers, but is further behind than the lane's bound: out of rotation until it catches up. */
        LAGGING,
        /** Did not answer (connection or query failed): out of rotation until a check reaches it. */
        DOWN
    }
}
