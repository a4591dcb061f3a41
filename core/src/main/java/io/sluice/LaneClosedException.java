package io.sluice;

/** The lane (or the whole set of lanes) is closed or closing and admits no new work. */
public class LaneClosedException extends SluiceException {

    private static final long serialVersionUID = 1L;

    public LaneClosedException(Lane lane) {
        super(prefix(lane) + "the lane is closed: it admits no new work after close() was called. "
                + "Create a new instance to run more work.", lane, null, null);
    }

    @Override
    public FailureKind kind() {
        return FailureKind.LANE_CLOSED;
    }
}
