package io.sluice;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a load by keys ({@link Database#byKeys}) found: the rows by key, in the caller's key order (each
 * distinct key once), and the keys no row matched.
 */
public record KeyedRows<K, T>(List<K> keys, Map<K, T> found, List<K> missing) {

    public KeyedRows {
        keys = List.copyOf(keys);
        found = Collections.unmodifiableMap(new LinkedHashMap<>(found));
        missing = List.copyOf(missing);
    }

    /** The rows found, in the order of their keys. */
    public List<T> values() {
        return List.copyOf(found.values());
    }

    /** The row of {@code key}, if one was found. */
    public Optional<T> get(K key) {
        return Optional.ofNullable(found.get(key));
    }
}
