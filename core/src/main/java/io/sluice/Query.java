package io.sluice;

import reactor.core.publisher.Mono;

/**
 * One SQL statement with its parameters. Bind with PostgreSQL's positional placeholders
 * ({@code $1, $2}, bound with {@link #bind(int, Object)}) or with named ones ({@code :id}, bound with
 * {@link #bind(String, Object)}); one statement uses one style.
 *
 * <p>A {@code Query} is a builder: bind its parameters, then call a terminal method. It is not
 * thread-safe. Terminal methods are cold; each subscription runs the statement again with the values
 * bound at that time. Bind values never appear in messages or logs.
 */
public interface Query {

    /**
     * Binds {@code $position} (1-based, as written in the SQL).
     *
     * @throws BindException when the value is {@code null} (use {@link #bindNull(int, Class)}) or there is
     *         no such placeholder
     */
    Query bind(int position, Object value);

    /**
     * Binds {@code :name}.
     *
     * @throws BindException when the value is {@code null} (use {@link #bindNull(String, Class)}) or the SQL
     *         has no such parameter
     */
    Query bind(String name, Object value);

    /** Binds SQL NULL of the given Java type to {@code $position}. */
    Query bindNull(int position, Class<?> type);

    /** Binds SQL NULL of the given Java type to {@code :name}. */
    Query bindNull(String name, Class<?> type);

    /**
     * Binds a value that may be {@code null} (an optional column) to {@code $position}: the value, or SQL
     * NULL of {@code type} when it is {@code null}.
     *
     * @throws BindException when {@code value} is not a {@code type} or there is no such placeholder
     */
    Query bind(int position, @org.jspecify.annotations.Nullable Object value, Class<?> type);

    /**
     * Binds a value that may be {@code null} (an optional column) to {@code :name}: the value, or SQL NULL
     * of {@code type} when it is {@code null}.
     *
     * @throws BindException when {@code value} is not a {@code type} or the SQL has no such parameter
     */
    Query bind(String name, @org.jspecify.annotations.Nullable Object value, Class<?> type);

    /** Rows fetched per round trip by {@link Rows#all()}; overrides the lane's default. 0 reads the whole result at once. */
    Query fetchSize(int rows);

    /**
     * Declares that running this statement again is safe (a read, or an idempotent write such as an
     * upsert), so a transient failure of it may be retried even after it reached the server. Without it,
     * a statement whose outcome is unknown is never retried.
     */
    Query idempotent();

    /**
     * Makes an {@code INSERT} or {@code UPDATE} return the generated values of these columns (all columns
     * when none are named); read them with {@link #map(RowMapper)}.
     */
    Query returningGeneratedValues(String... columns);

    /**
     * Names this statement for the lane's meters (the {@code operation} tag) and slow-statement reports: a
     * short fixed label such as {@code "ratings.upsert"}, never a value (see {@link Operation}). Run in a
     * session ({@link Session#sql(String)}), the unit's own name counts, not this one.
     *
     * @throws IllegalArgumentException when the name is null, blank or longer than {@link Operation#MAX_LENGTH}
     */
    Query named(String operation);

    /** Maps each result row with {@code mapper}. */
    <T> Rows<T> map(RowMapper<T> mapper);

    /** Runs the statement and emits how many rows it inserted, updated or deleted. */
    Mono<Long> rowsUpdated();
}
