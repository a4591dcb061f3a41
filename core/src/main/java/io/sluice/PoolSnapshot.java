package io.sluice;

/**
 * A lane's pool at one moment.
 *
 * @param maxSize   the most connections the lane may hold
 * @param allocated connections open now (acquired + idle)
 * @param acquired  connections lent out to work now
 * @param idle      connections open and waiting in the pool
 * @param pending   callers waiting for a connection (through {@code Lanes.snapshot}: and for admission)
 */
public record PoolSnapshot(int maxSize, int allocated, int acquired, int idle, int pending) {

    @Override
    public String toString() {
        return "max=" + maxSize + ", total=" + allocated + ", active=" + acquired + ", idle=" + idle + ", waiting=" + pending;
    }
}
