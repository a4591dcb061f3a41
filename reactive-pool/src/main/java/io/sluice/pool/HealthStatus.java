package io.sluice.pool;

/**
 * How well a lane, the server, or the lanes together serve, worst last. A load balancer or orchestrator
 * should take an instance out of rotation on {@link #DOWN} only: {@link #DEGRADED} still serves, slower or
 * with some work refused, and restarting it would not help.
 */
public enum HealthStatus {
    /** Serving normally. */
    UP,
    /** Serving, but something needs a look: a half-open breaker, sustained saturation, a yielding lane, a server near max_connections. */
    DEGRADED,
    /** Not serving: the breaker is open, no connection can be made, or the server did not answer the probe. */
    DOWN;

    /** The worse of the two. */
    public HealthStatus worst(HealthStatus other) {
        return other.ordinal() > ordinal() ? other : this;
    }
}
