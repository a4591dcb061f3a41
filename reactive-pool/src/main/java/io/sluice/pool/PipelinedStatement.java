package io.sluice.pool;

import io.r2dbc.spi.Result;
import io.r2dbc.spi.Statement;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One autocommit statement sent on a shared connection, its parameters bound by index (Sluice rewrites
 * named parameters to {@code $n} before it gets here). Cold: each {@link #execute()} subscription sends it.
 */
final class PipelinedStatement implements Statement {

    private final SharedLease lease;
    private final String sql;
    private @Nullable Object[] values = new Object[0];
    private Class<?>[] types = new Class<?>[0];
    private int fetchSize;

    PipelinedStatement(SharedLease lease, String sql) {
        this.lease = lease;
        this.sql = sql;
    }

    @Override
    public Statement add() {
        throw new UnsupportedOperationException("a shared statement runs one set of bindings");
    }

    private void grow(int index) {
        if (index < 0) {
            throw new IndexOutOfBoundsException("parameter index " + index + " is negative");
        }
        if (index >= values.length) {
            values = Arrays.copyOf(values, index + 1);
            types = Arrays.copyOf(types, index + 1);
        }
    }

    @Override
    public Statement bind(int index, Object value) {
        if (!TextParameters.supports(new Class<?>[]{value.getClass()})) {
            throw new IllegalArgumentException("a shared statement cannot send a " + value.getClass().getName());
        }
        grow(index);
        values[index] = value;
        types[index] = value.getClass();
        return this;
    }

    @Override
    public Statement bind(String name, Object value) {
        throw new UnsupportedOperationException("a shared statement binds by index ($1 is index 0)");
    }

    @Override
    public Statement bindNull(int index, Class<?> type) {
        if (!TextParameters.supports(new Class<?>[]{type})) {
            throw new IllegalArgumentException("a shared statement cannot send a NULL " + type.getName());
        }
        grow(index);
        values[index] = null;
        types[index] = type;
        return this;
    }

    @Override
    public Statement bindNull(String name, Class<?> type) {
        throw new UnsupportedOperationException("a shared statement binds by index ($1 is index 0)");
    }

    @Override
    public Statement returnGeneratedValues(String... columns) {
        throw new UnsupportedOperationException("a shared statement does not return generated values; Sluice runs such a "
                + "statement on a connection of its own");
    }

    /**
     * At most one fetch of this many rows: a larger result fails with
     * {@link io.sluice.spi.LargerThanOneFetchException} before any row is emitted. 0: the whole result.
     */
    @Override
    public Statement fetchSize(int rows) {
        this.fetchSize = Math.max(0, rows);
        return this;
    }

    @Override
    public Flux<Result> execute() {
        for (int i = 0; i < types.length; i++) {
            if (types[i] == null) {
                return Flux.error(new IllegalStateException("parameter $" + (i + 1) + " was not bound"));
            }
        }
        TextParameters parameters = TextParameters.of(values, types);
        int fetch = fetchSize;
        return Mono.<Result>create(sink -> lease.send(sql, parameters, fetch, new PipelinedConnection.Outcome() {
            @Override
            public void accept(PipelinedResult result) {
                sink.success(result);
            }

            @Override
            public void failed(Throwable error) {
                sink.error(error);
            }
        })).flux();
    }
}
