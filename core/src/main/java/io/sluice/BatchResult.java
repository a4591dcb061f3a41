package io.sluice;

import java.util.Arrays;

/** What a {@link Batch} did: the rows each of its statements changed, in the order they were added. */
public record BatchResult(long[] rowsUpdated) {

    public BatchResult {
        rowsUpdated = rowsUpdated.clone();
    }

    @Override
    public long[] rowsUpdated() {
        return rowsUpdated.clone();
    }

    /** Statements run. */
    public int size() {
        return rowsUpdated.length;
    }

    /** Rows changed by all of them together. */
    public long total() {
        return Arrays.stream(rowsUpdated).sum();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BatchResult b && Arrays.equals(rowsUpdated, b.rowsUpdated);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(rowsUpdated);
    }

    @Override
    public String toString() {
        return "BatchResult" + Arrays.toString(rowsUpdated);
    }
}
