package io.sluice;

/** An item a {@link Job} could not process: marked failed with its error, in the chunk that committed without it. */
public record FailedItem<T>(T item, Throwable error) {
}
