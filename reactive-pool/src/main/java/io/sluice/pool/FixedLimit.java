package io.sluice.pool;

/** A limit that moves only when an operator resizes the lane ({@link #set(int)}). */
final class FixedLimit implements Limit {

    private volatile int limit;

    FixedLimit(int limit) {
        this.limit = limit;
    }

    @Override
    public int limit() {
        return limit;
    }

    void set(int limit) {
        this.limit = limit;
    }

    @Override
    public void onSample(long rttNanos, int inFlight, boolean dropped) {
        // fixed
    }

    @Override
    public String toString() {
        return "fixed(" + limit + ")";
    }
}
