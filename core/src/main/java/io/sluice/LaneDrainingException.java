package io.sluice;

/**
 * The lane is draining: an operator stopped it admitting work (e.g. before maintenance or a failover),
 * so new work is rejected at once while the work in flight finishes; other lanes keep serving. Like any
 * overload it says nothing about the database (it never counts against the breaker, and it is not
 * retried within the lane): a WebFlux handler answers 503 with {@code Retry-After}, or the caller sends
 * the work elsewhere. The lane admits again once resumed.
 */
public class LaneDrainingException extends LaneOverloadedException {

    private static final long serialVersionUID = 1L;

    public LaneDrainingException(Lane lane, int limit, int inFlight, int queued, int maxQueue) {
        super(prefix(lane) + "draining, rejected at once: the lane was drained by its operator and admits no new "
                + "work until it is resumed (" + inFlight + " in flight finishing). Retry later or on another "
                + "instance", lane, limit, inFlight, queued, maxQueue);
    }
}
