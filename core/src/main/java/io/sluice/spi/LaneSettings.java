package io.sluice.spi;

import io.sluice.TxOptions;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What the facade needs to know of a lane.
 *
 * @param transactionDefaults defaults for transactions; a transaction's own options win
 * @param fetchSize           rows per round trip when a result is streamed; 0 reads it whole
 * @param clientTimeout       the longest a unit of work may wait on the server before the client gives
 *                            up, cancels it and discards the connection (a hung query, a half-open
 *                            socket); {@code null} for none
 * @param cleanupTimeout      the longest a rollback or cancel after failed work may take before the
 *                            connection is discarded instead of returned
 * @param unitSetup           {@code null} when a connection is a server session (the default); otherwise
 *                            (a pooler in transaction mode) every unit of work runs in a transaction, and
 *                            this SQL, run right after its {@code BEGIN}, gives that transaction the lane's
 *                            session settings
 */
public record LaneSettings(TxOptions transactionDefaults, int fetchSize, @Nullable Duration clientTimeout,
                           Duration cleanupTimeout, @Nullable String unitSetup) {

    public LaneSettings {
        Objects.requireNonNull(transactionDefaults, "transactionDefaults");
        Objects.requireNonNull(cleanupTimeout, "cleanupTimeout");
    }

    /** Settings of a lane whose connections are server sessions (no {@code unitSetup}). */
    public LaneSettings(TxOptions transactionDefaults, int fetchSize, @Nullable Duration clientTimeout, Duration cleanupTimeout) {
        this(transactionDefaults, fetchSize, clientTimeout, cleanupTimeout, null);
    }
}
