package io.sluice;

import io.sluice.internal.Failures;
/** A query read with {@code one()} or {@code optional()} returned a number of rows it does not allow. */
public class ResultSizeException extends SluiceException {

    private static final long serialVersionUID = 1L;

    private final int expectedAtMost;
    private final int actualAtLeast;

    public ResultSizeException(Lane lane, String sql, String expected, int expectedAtMost, int actualAtLeast) {
        super(prefix(lane) + "expected " + expected + " but the query returned "
                + (actualAtLeast > expectedAtMost ? "more than " + expectedAtMost : String.valueOf(actualAtLeast))
                + " rows: " + Failures.excerpt(sql), lane, null, null);
        this.expectedAtMost = expectedAtMost;
        this.actualAtLeast = actualAtLeast;
    }

    public int expectedAtMost() {
        return expectedAtMost;
    }

    /** The number of rows seen before reading stopped (a lower bound when there were too many). */
    public int actualAtLeast() {
        return actualAtLeast;
    }

    @Override
    public FailureKind kind() {
        return FailureKind.USAGE;
    }
}
