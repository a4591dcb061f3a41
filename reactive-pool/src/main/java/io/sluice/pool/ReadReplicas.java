package io.sluice.pool;

import io.sluice.ConfigurationException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The standbys a lane reads from ({@link Lanes.Builder#readReplicas}), and when one is out of rotation.
 * Immutable; from {@link #builder()}.
 *
 * <p>Each standby gets a pool of its own with the lane's settings (size, timeouts, role, session settings);
 * the lane's own pool, on the primary, is the fallback. Every {@link #checkInterval()} Sluice asks each
 * standby what it has replayed and the primary where its WAL is; a standby that does not answer, or is
 * behind by more than {@link #maxLag()} (or {@link #maxLagBytes()}), is out of rotation until a later check
 * finds it answering and caught up.
 */
public final class ReadReplicas {

    private final List<ServerConfig> standbys;
    private final Duration maxLag;
    private final long maxLagBytes;
    private final Duration checkInterval;
    private final Duration readYourWritesWait;

    private ReadReplicas(Builder b) {
        this.standbys = List.copyOf(b.standbys);
        this.maxLag = b.maxLag;
        this.maxLagBytes = b.maxLagBytes;
        this.checkInterval = b.checkInterval;
        this.readYourWritesWait = b.readYourWritesWait;
    }

    /** Defaults: maxLag 10 s, no byte bound, checks every second, read-your-writes waits up to 500 ms. */
    public static Builder builder() {
        return new Builder();
    }

    /** The standbys, in the order they were added. */
    public List<ServerConfig> standbys() {
        return standbys;
    }

    /**
     * How long a standby may be behind the primary and stay in rotation: the time since the primary was
     * last at the position the standby has replayed (measured at the checks, so to within one interval).
     */
    public Duration maxLag() {
        return maxLag;
    }

    /** How many bytes of WAL a standby may be behind and stay in rotation; 0: no byte bound (the default). */
    public long maxLagBytes() {
        return maxLagBytes;
    }

    /** How often each standby's lag and the primary's position are checked. */
    public Duration checkInterval() {
        return checkInterval;
    }

    /** How long a read with {@link ReadYourWrites#after} waits for a standby to replay the position before it goes to the primary. */
    public Duration readYourWritesWait() {
        return readYourWritesWait;
    }

    @Override
    public String toString() {
        return "ReadReplicas[" + standbys.stream().map(ServerConfig::describe).toList() + ", maxLag=" + maxLag
                + (maxLagBytes > 0 ? ", maxLagBytes=" + maxLagBytes : "") + ", checkInterval=" + checkInterval
                + ", readYourWritesWait=" + readYourWritesWait + "]";
    }

    /** Validating builder; each setter rejects a bad value with a {@link ConfigurationException} naming it. */
    public static final class Builder {
        private final List<ServerConfig> standbys = new ArrayList<>();
        private Duration maxLag = Duration.ofSeconds(10);
        private long maxLagBytes;
        private Duration checkInterval = Duration.ofSeconds(1);
        private Duration readYourWritesWait = Duration.ofMillis(500);

        private Builder() {
        }

        /** Adds a standby; reads are spread over the standbys in rotation, in turn. */
        public Builder standby(ServerConfig standby) {
            standbys.add(Check.notNull("standby", standby));
            return this;
        }

        public Builder maxLag(Duration lag) {
            this.maxLag = Check.positive("maxLag", lag);
            return this;
        }

        /** A bound in bytes of WAL as well (both apply); 0 turns it off. */
        public Builder maxLagBytes(long bytes) {
            if (bytes < 0) {
                throw new ConfigurationException("maxLagBytes", "maxLagBytes must be 0 (off) or positive, was " + bytes);
            }
            this.maxLagBytes = bytes;
            return this;
        }

        public Builder checkInterval(Duration interval) {
            this.checkInterval = Check.positive("checkInterval", interval);
            return this;
        }

        public Builder readYourWritesWait(Duration wait) {
            this.readYourWritesWait = Check.notNegative("readYourWritesWait", wait);
            return this;
        }

        /**
         * @throws ConfigurationException when no standby is given, one is given twice, or maxLag is shorter
         *         than checkInterval (a standby would be judged on figures older than the bound)
         */
        public ReadReplicas build() {
            if (standbys.isEmpty()) {
                throw new ConfigurationException("standby", "read replicas need at least one standby: add it with .standby(ServerConfig)");
            }
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (ServerConfig s : standbys) {
                if (!seen.add(s.addresses() + "/" + s.database())) {
                    throw new ConfigurationException("standby", "standby " + s.describe() + " is given twice");
                }
            }
            if (maxLag.compareTo(checkInterval) < 0) {
                throw new ConfigurationException("maxLag", "maxLag (" + maxLag + ") must not be shorter than checkInterval ("
                        + checkInterval + "): lag is measured at the checks");
            }
            return new ReadReplicas(this);
        }
    }
}

