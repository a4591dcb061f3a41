package io.sluice;

import io.r2dbc.spi.Readable;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Statement;
import java.util.Arrays;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** A statement builder; runs through a {@link Runner}: on a session's connection, or on a connection of its own. */
final class DefaultQuery implements Query {

    /** Where a query runs. */
    interface Runner {
        Lane lane();

        /** Runs {@code body} with a live session; cold. {@code idempotent}: the statement may be run again. */
        <T> Flux<T> run(Function<DefaultSession, Flux<T>> body, boolean idempotent);

        /** As {@link #run}, for at most one result. */
        <T> Mono<T> runMono(Function<DefaultSession, Mono<T>> body, boolean idempotent);

        int fetchSize();
    }

    private static final Object UNSET = new Object();

    private record TypedNull(Class<?> type) {
    }

    private final Runner runner;
    private final ParsedSql parsed;
    private final Object[] values;
    private int fetchSize = -1;
    private boolean idempotent;
    private String @Nullable [] generatedColumns;

    DefaultQuery(Runner runner, String sql) {
        this.runner = runner;
        if (sql == null || sql.isBlank()) {
            throw new BindException("the SQL is " + (sql == null ? "null" : "empty") + "; pass a statement", runner.lane());
        }
        try {
            this.parsed = ParsedSql.of(sql);
        } catch (IllegalArgumentException e) {
            throw new BindException(e.getMessage(), runner.lane());
        }
        this.values = new Object[parsed.count];
        Arrays.fill(values, UNSET);
    }

    @Override
    public Query bind(int position, Object value) {
        return set(position(position), value, "$" + position);
    }

    @Override
    public Query bind(String name, Object value) {
        return set(named(name), value, ":" + name);
    }

    @Override
    public Query bindNull(int position, Class<?> type) {
        return setNull(position(position), type);
    }

    @Override
    public Query bindNull(String name, Class<?> type) {
        return setNull(named(name), type);
    }

    @Override
    public Query bind(int position, @Nullable Object value, Class<?> type) {
        int index = position(position);
        return value == null ? setNull(index, type) : set(index, typed(value, type, "$" + position), "$" + position);
    }

    @Override
    public Query bind(String name, @Nullable Object value, Class<?> type) {
        int index = named(name);
        return value == null ? setNull(index, type) : set(index, typed(value, type, ":" + name), ":" + name);
    }

    /** The value, when it is a {@code type} (a primitive type taken as its wrapper). */
    private Object typed(Object value, Class<?> type, String placeholder) {
        if (type == null) {
            throw new BindException("bind(" + quoted(placeholder) + ", value, type) needs the Java type of the column, "
                    + "e.g. String.class", runner.lane());
        }
        if (!java.lang.invoke.MethodType.methodType(type).wrap().returnType().isInstance(value)) {
            throw new BindException("the value bound to " + placeholder + " is a " + value.getClass().getName() + ", not the "
                    + type.getName() + " declared with it: " + Failures.excerpt(parsed.original), runner.lane());
        }
        return value;
    }

    @Override
    public Query fetchSize(int rows) {
        if (rows < 0) {
            throw new IllegalArgumentException("fetchSize must be 0 (whole result) or positive, was " + rows);
        }
        this.fetchSize = rows;
        return this;
    }

    @Override
    public Query idempotent() {
        this.idempotent = true;
        return this;
    }

    @Override
    public Query returningGeneratedValues(String... columns) {
        this.generatedColumns = columns.clone();
        return this;
    }

    @Override
    public <T> Rows<T> map(RowMapper<T> mapper) {
        if (mapper == null) {
            throw new IllegalArgumentException("mapper must not be null");
        }
        return new MappedRows<>(mapper);
    }

    @Override
    public Mono<Long> rowsUpdated() {
        return runner.runMono(s -> s.track(execute(s, 0).concatMap(Result::getRowsUpdated)).reduce(0L, Long::sum), idempotent);
    }

    private Query set(int index, @Nullable Object value, String placeholder) {
        if (value == null) {
            throw new BindException("the value bound to " + placeholder + " is null; use bindNull(" + quoted(placeholder)
                    + ", Type.class), or bind(" + quoted(placeholder) + ", value, Type.class) for a value that may be null, "
                    + "so PostgreSQL knows its type: " + Failures.excerpt(parsed.original), runner.lane());
        }
        values[index] = value;
        return this;
    }

    private Query setNull(int index, Class<?> type) {
        if (type == null) {
            throw new BindException("bindNull needs the Java type of the column, e.g. String.class", runner.lane());
        }
        values[index] = new TypedNull(type);
        return this;
    }

    private static String quoted(String placeholder) {
        return placeholder.startsWith(":") ? "\"" + placeholder.substring(1) + "\"" : placeholder.substring(1);
    }

    private int position(int position) {
        if (!parsed.names.isEmpty()) {
            throw new BindException("the SQL uses named parameters (" + String.join(", ", parsed.nameList())
                    + "); bind them by name: " + Failures.excerpt(parsed.original), runner.lane());
        }
        if (position < 1 || position > parsed.count) {
            throw new BindException("there is no placeholder $" + position + " in the SQL (it has "
                    + (parsed.count == 0 ? "none" : "$1..$" + parsed.count) + "); positions start at 1: "
                    + Failures.excerpt(parsed.original), runner.lane());
        }
        return position - 1;
    }

    private int named(String name) {
        Integer index = parsed.names.get(name);
        if (index == null) {
            throw new BindException("the SQL has no parameter :" + name + " (it has "
                    + (parsed.names.isEmpty() ? (parsed.count == 0 ? "none" : "positional $1..$" + parsed.count)
                    : ":" + String.join(", :", parsed.nameList())) + "): " + Failures.excerpt(parsed.original), runner.lane());
        }
        return index;
    }

    private Flux<Result> execute(DefaultSession session, int fetch) {
        Statement statement = session.connection().createStatement(parsed.sql);
        for (int i = 0; i < values.length; i++) {
            Object v = values[i];
            if (v == UNSET) {
                return Flux.error(new BindException("parameter " + parsed.describe(i) + " was not bound: "
                        + Failures.excerpt(parsed.original), runner.lane()));
            }
            try {
                if (v instanceof TypedNull n) {
                    statement.bindNull(i, n.type());
                } else {
                    statement.bind(i, v);
                }
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                // the driver's message may quote the value, so it is not kept
                return Flux.error(new BindException("cannot bind a value of type "
                        + (v instanceof TypedNull n ? n.type() : v.getClass()).getName() + " to " + parsed.describe(i)
                        + ": the driver has no codec for it", runner.lane()));
            }
        }
        if (generatedColumns != null) {
            statement.returnGeneratedValues(generatedColumns);
        }
        if (fetch > 0) {
            statement.fetchSize(fetch);
        }
        return Flux.from(statement.execute());
    }

    private final class MappedRows<T> implements Rows<T> {

        private final Function<Readable, T> mapping;

        MappedRows(RowMapper<T> mapper) {
            this.mapping = row -> {
                T t = mapper.map(row);
                if (t == null) {
                    throw new NullPointerException("the RowMapper returned null for a row of: " + Failures.excerpt(parsed.original));
                }
                return t;
            };
        }

        @Override
        public Mono<T> one() {
            return runner.runMono(s -> s.track(execute(s, 0).concatMap(r -> r.map(mapping))).single()
                    .onErrorMap(e -> sizeError(e, "exactly one row")), idempotent);
        }

        @Override
        public Mono<T> optional() {
            return runner.runMono(s -> s.track(execute(s, 0).concatMap(r -> r.map(mapping))).singleOrEmpty()
                    .onErrorMap(e -> sizeError(e, "at most one row")), idempotent);
        }

        /** Reactor's own errors of {@code single()} and {@code singleOrEmpty()}, as Sluice's. */
        private Throwable sizeError(Throwable e, String expected) {
            if (e instanceof java.util.NoSuchElementException && "Source was empty".equals(e.getMessage())) {
                return new ResultSizeException(runner.lane(), parsed.original, expected, 1, 0);
            }
            if (e instanceof IndexOutOfBoundsException && String.valueOf(e.getMessage()).startsWith("Source emitted more than one item")) {
                return new ResultSizeException(runner.lane(), parsed.original, expected, 1, 2);
            }
            return e;
        }

        @Override
        public Flux<T> all() {
            return runner.run(s -> s.track(execute(s, fetchSize >= 0 ? fetchSize : runner.fetchSize())
                    .concatMap(r -> r.map(mapping))), idempotent);
        }
    }
}
