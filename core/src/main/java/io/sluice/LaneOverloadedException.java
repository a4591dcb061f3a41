package io.sluice;

/**
 * The lane's admission gate rejected the work at once: {@link #limit()} units of work were in flight and
 * {@link #queued()} more were waiting (its queue holds at most {@link #maxQueue()}). A WebFlux handler
 * answers this with 503 and {@code Retry-After}.
 */
public class LaneOverloadedException extends SluiceException {

    private static final long serialVersionUID = 1L;

    private final int limit;
    private final int inFlight;
    private final int queued;
    private final int maxQueue;

    public LaneOverloadedException(Lane lane, int limit, int inFlight, int queued, int maxQueue) {
        this(prefix(lane) + "overloaded, rejected at once: " + inFlight + " in flight (limit " + limit + "), "
                + queued + " waiting (queue holds " + maxQueue + "). Shed load or retry later; raise the lane's "
                + "limit or queue only if the database has room", lane, limit, inFlight, queued, maxQueue);
    }

    /** For a subclass that says why in its own words (e.g. {@link LaneDrainingException}). */
    protected LaneOverloadedException(String message, Lane lane, int limit, int inFlight, int queued, int maxQueue) {
        super(message, lane, null, false);
        this.limit = limit;
        this.inFlight = inFlight;
        this.queued = queued;
        this.maxQueue = maxQueue;
    }

    /** The admission limit when the work was rejected. */
    public int limit() {
        return limit;
    }

    public int inFlight() {
        return inFlight;
    }

    /** Work waiting in the lane's queue when this was rejected. */
    public int queued() {
        return queued;
    }

    public int maxQueue() {
        return maxQueue;
    }

    @Override
    public FailureKind kind() {
        return FailureKind.OVERLOADED;
    }
}
