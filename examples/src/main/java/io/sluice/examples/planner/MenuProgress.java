package io.sluice.examples.planner;

import org.jspecify.annotations.Nullable;

/**
 * Where a menu job stands: {@code queued}, {@code running}, {@code done} or {@code failed}; meals chosen so far
 * of the total. An {@code error} is a sentence for the user, never the database's message.
 */
public record MenuProgress(long jobId, long userId, String state, int done, int total, @Nullable String error) {

    boolean finished() {
        return state.equals("done") || state.equals("failed");
    }
}
