package io.sluice.pool;

/**
 * How many units of work a lane admits at once. Fed one sample per finished unit; thread-safe.
 */
interface Limit {

    /** The current limit, at least 1. */
    int limit();

    /**
     * One finished unit of work.
     *
     * @param rttNanos how long it held its admission (acquire + work + release)
     * @param inFlight units in flight when it started
     * @param dropped  whether it failed for a reason that says the database is overloaded (timeout, no connection)
     */
    void onSample(long rttNanos, int inFlight, boolean dropped);
}
