package io.sluice.load.measure;

import java.util.Locale;

/**
 * How one unit of work ended. Latency is recorded per outcome: a rejection that comes back in 50 µs must not
 * improve the success percentiles, and a timeout's latency says how long callers waited to be told.
 */
public enum Outcome {
    /** The work completed. */
    SUCCESS,
    /** Refused at once without waiting: a full wait queue or the harness's own in-flight cap. */
    REJECTED,
    /** Gave up after waiting: acquire timeout or statement timeout. */
    TIMEOUT,
    /** Any other failure, counted by type. */
    ERROR;

    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
