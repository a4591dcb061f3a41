package io.sluice.load.measure;

/** Generates one series' load until stopped. */
public interface Driver {

    void start();

    /** Stops issuing new work; work already issued runs on. */
    void stop();

    /** The longest the driver was late issuing work, in nanoseconds (open loop only; 0 otherwise). */
    default long maxSendLagNanos() {
        return 0;
    }
}
