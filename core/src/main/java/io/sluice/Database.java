package io.sluice;

import io.sluice.spi.ConnectionSource;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The facade an application codes against.
 *
 * <p>Every method is cold and scoped to its subscription: subscribing borrows a connection of the lane;
 * the connection is released when the returned publisher completes, fails or is cancelled, always.
 * Nothing is bound to a thread. Errors from the driver arrive as typed {@link SluiceException}s; errors
 * thrown by the caller's own function arrive unchanged.
 */
public interface Database {

    /** A facade over a connection source, such as {@code Lanes} from {@code sluice-reactive-pool}. */
    static Database over(ConnectionSource source) {
        return new DefaultDatabase(source);
    }

    /** Runs {@code work} on one connection of {@code lane} in autocommit mode. */
    <T> Mono<T> withConnection(Lane lane, Function<Session, ? extends Mono<T>> work);

    /** Runs {@code work} on one connection of {@code lane} in autocommit mode; for many results. */
    <T> Flux<T> withConnectionMany(Lane lane, Function<Session, ? extends Publisher<T>> work);

    /**
     * Runs {@code work} in one transaction on one connection of {@code lane}: committed when the work
     * completes, rolled back when it fails or is cancelled. A transaction in which a statement failed and
     * no later statement succeeded (PostgreSQL has aborted it) is rolled back and reported, never
     * silently "committed".
     */
    <T> Mono<T> inTransaction(Lane lane, TxOptions options, Function<Session, ? extends Mono<T>> work);

    /** As {@link #inTransaction(Lane, TxOptions, Function)}, for many results. */
    <T> Flux<T> inTransactionMany(Lane lane, TxOptions options, Function<Session, ? extends Publisher<T>> work);

    /** As {@link #inTransaction(Lane, TxOptions, Function)} with the lane's default options. */
    default <T> Mono<T> inTransaction(Lane lane, Function<Session, ? extends Mono<T>> work) {
        return inTransaction(lane, TxOptions.defaults(), work);
    }

    /** One statement that borrows its own connection of {@code lane} each time it runs (autocommit). */
    Query sql(Lane lane, String sql);

    /**
     * A batch of statements on {@code lane}, run in one transaction of its own: all kept or none
     * ({@link Batch}). Retried as a whole under the lane's retry policy when it failed transiently (it was
     * rolled back, so running it again cannot apply it twice).
     */
    default Batch batch(Lane lane) {
        return new DefaultBatch(lane, work -> inTransaction(lane, s -> work.apply(s)));
    }

    /**
     * One statement bound once per row of {@code rows}, in one transaction: {@code batch(lane)} with
     * {@code add(sql, row)} for each row.
     */
    default Mono<BatchResult> batch(Lane lane, String sql, Iterable<Object[]> rows) {
        Batch b = batch(lane);
        for (Object[] row : rows) {
            b.add(sql, row);
        }
        return b.execute();
    }

    /**
     * Loads the rows of many keys with one query: {@code sql} takes the keys as one array in {@code $1}
     * (write {@code WHERE id = ANY($1)}, never a string-built {@code IN} list), {@code keyOf} reads a mapped
     * row's key. The result keeps the caller's key order (each distinct key once) and lists the keys no
     * row matched. A read, so retried when it fails transiently. Keys must be non-null and of one class
     * with an array codec (Integer, Long, String, UUID...); more than one row for a key fails with
     * {@link ResultSizeException}.
     */
    default <K, T> Mono<KeyedRows<K, T>> byKeys(Lane lane, String sql, Collection<? extends K> keys,
                                                RowMapper<T> mapper, Function<? super T, ? extends K> keyOf) {
        if (keys == null || mapper == null || keyOf == null) {
            return Mono.error(new IllegalArgumentException("byKeys needs keys, a row mapper and a key extractor (none may be null)"));
        }
        LinkedHashSet<K> distinct = new LinkedHashSet<>();
        Class<?> type = null;
        for (K k : keys) {
            if (k == null) {
                return Mono.error(new BindException("byKeys: a key is null; keys must be non-null", lane));
            }
            if (type == null) {
                type = k.getClass();
            } else if (k.getClass() != type) {
                return Mono.error(new BindException("byKeys: keys must all be of one class, found " + type.getName()
                        + " and " + k.getClass().getName(), lane));
            }
            distinct.add(k);
        }
        List<K> order = List.copyOf(distinct);
        if (order.isEmpty()) {
            return Mono.just(new KeyedRows<>(order, Map.of(), List.of()));
        }
        return sql(lane, sql).bind(1, SqlArrays.of(type, order)).idempotent().map(mapper).all().collectList().map(rows -> {
            Map<K, T> byKey = new java.util.HashMap<>();
            for (T row : rows) {
                K key = keyOf.apply(row);
                if (byKey.putIfAbsent(key, row) != null) {
                    throw new ResultSizeException(lane, sql, "at most one row per key (key " + key + ")", 1, 2);
                }
            }
            Map<K, T> found = new LinkedHashMap<>();
            List<K> missing = new java.util.ArrayList<>();
            for (K k : order) {
                T row = byKey.get(k);
                if (row != null) {
                    found.put(k, row);
                } else {
                    missing.add(k);
                }
            }
            return new KeyedRows<>(order, found, missing);
        });
    }

    /**
     * Inserts {@code rows} into {@code table} ({@link Session#insertRows}) in one transaction of its own on
     * {@code lane}: all rows or none. {@code rows} is subscribed once per attempt: give a cold publisher
     * when the lane retries.
     */
    default Mono<Long> insertRows(Lane lane, String table, List<String> columns, Publisher<? extends List<?>> rows) {
        return inTransaction(lane, s -> s.insertRows(table, columns, rows));
    }

    /**
     * Streams {@code rows} into {@code table} with {@code COPY ... FROM STDIN} on a connection of
     * {@code lane} ({@link Session#copyIn}): all rows or none, memory bounded by backpressure. Values are
     * written as PostgreSQL's text format reads them: numbers, booleans, strings, {@code byte[]} (bytea),
     * {@code java.time} values (ISO 8601), UUIDs, enums (their name), null; anything else by its
     * {@code toString()}.
     */
    default Mono<Long> copyIn(Lane lane, String table, List<String> columns, Publisher<? extends List<?>> rows) {
        return withConnection(lane, s -> s.copyIn(table, columns, rows));
    }
}
