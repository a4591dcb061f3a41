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
    private final java.time.@org.jspecify.annotations.Nullable Duration predictedWait;

    public LaneOverloadedException(Lane lane, int limit, int inFlight, int queued, int maxQueue) {
        this(prefix(lane) + "overloaded, rejected at once: " + inFlight + " in flight (limit " + limit + "), "
                + queued + " waiting (queue holds " + maxQueue + "). Shed load or retry later; raise the lane's "
                + "limit or queue only if the database has room", lane, limit, inFlight, queued, maxQueue);
    }

    /**
     * Rejected at once because the wait it would have had in the queue, predicted from how long recent work
     * held its permit, exceeds what it could wait: the lane's acquire timeout or, when {@code byDeadline},
     * the caller's deadline.
     */
    public LaneOverloadedException(Lane lane, int limit, int inFlight, int queued, int maxQueue,
                                   java.time.Duration predictedWait, java.time.Duration allowedWait, boolean byDeadline) {
        this(prefix(lane) + "overloaded, rejected at once: it would wait about " + millis(predictedWait) + " for admission ("
                + queued + " waiting ahead, " + inFlight + " in flight, limit " + limit + "), longer than "
                + (byDeadline ? "its deadline allows (" : "the lane's acquireTimeout (") + millis(allowedWait)
                + "). Shed load or retry later; raise the lane's limit only if the database has room",
                lane, limit, inFlight, queued, maxQueue, predictedWait);
    }

    /**
     * Shed from the queue after waiting {@code waited}: the work slowed since it queued, and the wait still to
     * come, {@code predictedWait}, predicted from how long recent work held its permit, would outlast what it
     * may still wait. Told now rather than after waiting its whole budget out.
     */
    public LaneOverloadedException(Lane lane, int limit, int inFlight, int queued, int maxQueue, java.time.Duration waited,
                                   java.time.Duration predictedWait, java.time.Duration allowedWait, boolean byDeadline) {
        this(prefix(lane) + "overloaded, shed from the queue after waiting " + millis(waited) + ": it would wait about "
                + millis(predictedWait) + " more for admission (" + queued + " waiting, " + inFlight + " in flight, limit "
                + limit + "), past " + (byDeadline ? "its deadline (" : "the lane's acquireTimeout (") + millis(allowedWait)
                + "). Shed load or retry later; raise the lane's limit only if the database has room",
                lane, limit, inFlight, queued, maxQueue, predictedWait);
    }

    /** For a subclass that says why in its own words (e.g. {@link LaneDrainingException}). */
    protected LaneOverloadedException(String message, Lane lane, int limit, int inFlight, int queued, int maxQueue) {
        this(message, lane, limit, inFlight, queued, maxQueue, null);
    }

    private LaneOverloadedException(String message, Lane lane, int limit, int inFlight, int queued, int maxQueue,
                                    java.time.@org.jspecify.annotations.Nullable Duration predictedWait) {
        super(message, lane, null, false);
        this.limit = limit;
        this.inFlight = inFlight;
        this.queued = queued;
        this.maxQueue = maxQueue;
        this.predictedWait = predictedWait;
    }

    private static String millis(java.time.Duration d) {
        long micros = d.toNanos() / 1000;
        return micros < 10_000 ? String.format(java.util.Locale.ROOT, "%.1f ms", micros / 1000.0) : (micros / 1000) + " ms";
    }

    /**
     * The wait predicted for it when it was rejected because of that prediction; empty when the queue was
     * full by count (or the lane was draining).
     */
    public java.util.Optional<java.time.Duration> predictedWait() {
        return java.util.Optional.ofNullable(predictedWait);
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
