package io.sluice.pool;

/** A limit that never moves. */
final class FixedLimit implements Limit {

    private final int limit;

    FixedLimit(int limit) {
        this.limit = limit;
    }

    @Override
    public int limit() {
        return limit;
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
