package io.sluice;

import io.r2dbc.spi.Readable;

/**
 * Maps one row to an object. Called once per row, on the driver's thread: keep it quick and
 * non-blocking. Returning {@code null} is an error (Reactive Streams carry no nulls).
 */
@FunctionalInterface
public interface RowMapper<T> {

    T map(Readable row);

    /** Reads the first column as {@code type}: {@code RowMapper.column(Long.class)}. */
    static <T> RowMapper<T> column(Class<T> type) {
        return row -> row.get(0, type);
    }

    /** Reads the named column as {@code type}. */
    static <T> RowMapper<T> column(String name, Class<T> type) {
        return row -> row.get(name, type);
    }
}
