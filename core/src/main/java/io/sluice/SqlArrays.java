package io.sluice;

import java.util.List;

/** Many values bound as one SQL array ({@code = ANY($1)}): a Java array of their class, which the driver encodes. */
final class SqlArrays {

    private SqlArrays() {
    }

    /** {@code values} (non-null, all of {@code type}) as a {@code type[]}. */
    static Object of(Class<?> type, List<?> values) {
        Object array = java.lang.reflect.Array.newInstance(type, values.size());
        for (int i = 0; i < values.size(); i++) {
            java.lang.reflect.Array.set(array, i, values.get(i));
        }
        return array;
    }
}
