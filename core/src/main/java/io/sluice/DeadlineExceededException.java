package io.sluice;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** The work's {@link Deadline} passed: before it started (it was not started) or while it ran (it was cancelled). */
public class DeadlineExceededException extends SluiceException {

    private static final long serialVersionUID = 1L;

    private final Duration overBy;

    public DeadlineExceededException(Lane lane, String when, Duration overBy, @Nullable Throwable cause) {
        super(prefix(lane) + "deadline passed " + when + " (" + overBy.toMillis() + " ms ago)", lane, null, cause);
        this.overBy = overBy;
    }

    public Duration overBy() {
        return overBy;
    }

    @Override
    public FailureKind kind() {
        return FailureKind.DEADLINE_EXCEEDED;
    }
}
