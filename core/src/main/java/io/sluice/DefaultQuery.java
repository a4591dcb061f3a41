package io.sluice;

import io.sluice.internal.Failures;
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

        /** As {@link #run}, for a unit named {@code operation} (null: unnamed). */
        default <T> Flux<T> run(Function<DefaultSession, Flux<T>> body, boolean idempotent, @Nullable String operation) {
            return run(body, idempotent);
        }

        /** As {@link #runMono}, for a unit named {@code operation} (null: unnamed). */
        default <T> Mono<T> runMono(Function<DefaultSession, Mono<T>> body, boolean idempotent, @Nullable String operation) {
            return runMono(body, idempotent);
        }

        /**
         * As {@link #runMono}, for a unit that is exactly one autocommit statement with parameters of these
         * types: a multiplexed lane may run it on a shared connection. A session runs it as any other.
         */
        default <T> Mono<T> runStatement(Function<DefaultSession, Mono<T>> body, boolean idempotent, @Nullable String operation,
                                         Class<?>[] parameterTypes) {
            return runMono(body, idempotent, operation);
        }

        /**
         * As {@link #run}, for a unit that is exactly one autocommit statement whose result is read one fetch
         * at a time: a multiplexed lane may try it on a shared connection, which fails with
         * {@link io.sluice.spi.LargerThanOneFetchException} (before any row) when it is larger than one fetch.
         */
        default <T> Flux<T> runStatementMany(Function<DefaultSession, Flux<T>> body, boolean idempotent, @Nullable String operation,
                                             Class<?>[] parameterTypes) {
            return run(body, idempotent, operation);
        }
    }

    private static final Object UNSET = new Object();

    private record TypedNull(Class<?> type) {
    }

    private final Runner runner;
    private final @Nullable ParsedSql parsed;
    private final Object[] values;
    /** The first binding mistake; every terminal operation then fails with it, at subscribe. */
    private @Nullable BindException mistake;
    private int fetchSize = -1;
    private boolean idempotent;
    private @Nullable String operation;
    private String @Nullable [] generatedColumns;

    DefaultQuery(Runner runner, @Nullable String sql) {
        this.runner = runner;
        ParsedSql p = null;
        if (sql == null || sql.isBlank()) {
            mistake = new BindException("the SQL is " + (sql == null ? "null" : "empty") + "; pass a statement", runner.lane());
        } else {
            try {
                p = ParsedSql.of(sql);
            } catch (IllegalArgumentException e) {
                mistake = new BindException(e.getMessage(), runner.lane());
            }
        }
        this.parsed = p;
        this.values = new Object[p == null ? 0 : p.count];
        Arrays.fill(values, UNSET);
    }

    /** Runs {@code binding} unless a mistake was made already; a mistake it makes is kept for subscribe time. */
    private Query binding(Runnable binding) {
        if (mistake == null) {
            try {
                binding.run();
            } catch (BindException e) {
                mistake = e;
            }
        }
        return this;
    }

    private ParsedSql parsed() {
        return java.util.Objects.requireNonNull(parsed);  // only reached while there is no mistake
    }

    @Override
    public Query bind(int position, Object value) {
        return binding(() -> set(position(position), value, "$" + position));
    }

    @Override
    public Query bind(String name, Object value) {
        return binding(() -> set(namedIndex(name), value, ":" + name));
    }

    @Override
    public Query bindNull(int position, Class<?> type) {
        return binding(() -> setNull(position(position), type));
    }

    @Override
    public Query bindNull(String name, Class<?> type) {
        return binding(() -> setNull(namedIndex(name), type));
    }

    @Override
    public Query bind(int position, @Nullable Object value, Class<?> type) {
        return binding(() -> {
            int index = position(position);
            if (value == null) {
                setNull(index, type);
            } else {
                set(index, typed(value, type, "$" + position), "$" + position);
            }
        });
    }

    @Override
    public Query bind(String name, @Nullable Object value, Class<?> type) {
        return binding(() -> {
            int index = namedIndex(name);
            if (value == null) {
                setNull(index, type);
            } else {
                set(index, typed(value, type, ":" + name), ":" + name);
            }
        });
    }

    /** The value, when it is a {@code type} (a primitive type taken as its wrapper). */
    private Object typed(Object value, Class<?> type, String placeholder) {
        if (type == null) {
            throw new BindException("bind(" + quoted(placeholder) + ", value, type) needs the Java type of the column, "
                    + "e.g. String.class", runner.lane());
        }
        if (!java.lang.invoke.MethodType.methodType(type).wrap().returnType().isInstance(value)) {
            throw new BindException("the value bound to " + placeholder + " is a " + value.getClass().getName() + ", not the "
                    + type.getName() + " declared with it: " + Failures.excerpt(parsed().original), runner.lane());
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
    public Query named(String operation) {
        this.operation = Operation.check(operation);
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
        if (mistake != null) {
            return Mono.error(mistake);
        }
        return statement(s -> s.track(execute(s, 0).concatMap(Result::getRowsUpdated)).reduce(0L, Long::sum));
    }

    /** One statement as a unit of its own: shareable on a multiplexed lane unless it asks for generated values. */
    private <T> Mono<T> statement(Function<DefaultSession, Mono<T>> body) {
        if (generatedColumns != null) {
            return runner.runMono(body, idempotent, operation);
        }
        return runner.runStatement(body, idempotent, operation, parameterTypes());
    }

    private Class<?>[] parameterTypes() {
        Class<?>[] types = new Class<?>[values.length];
        for (int i = 0; i < values.length; i++) {
            Object v = values[i];
            types[i] = v instanceof TypedNull n ? n.type() : v == UNSET ? Object.class : v.getClass();
        }
        return types;
    }

    private void set(int index, @Nullable Object value, String placeholder) {
        if (value == null) {
            throw new BindException("the value bound to " + placeholder + " is null; use bindNull(" + quoted(placeholder)
                    + ", Type.class), or bind(" + quoted(placeholder) + ", value, Type.class) for a value that may be null, "
                    + "so PostgreSQL knows its type: " + Failures.excerpt(parsed().original), runner.lane());
        }
        values[index] = value;
    }

    private void setNull(int index, Class<?> type) {
        if (type == null) {
            throw new BindException("bindNull needs the Java type of the column, e.g. String.class", runner.lane());
        }
        values[index] = new TypedNull(type);
    }

    private static String quoted(String placeholder) {
        return placeholder.startsWith(":") ? "\"" + placeholder.substring(1) + "\"" : placeholder.substring(1);
    }

    private int position(int position) {
        ParsedSql parsed = parsed();
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

    private int namedIndex(String name) {
        ParsedSql parsed = parsed();
        Integer index = parsed.names.get(name);
        if (index == null) {
            throw new BindException("the SQL has no parameter :" + name + " (it has "
                    + (parsed.names.isEmpty() ? (parsed.count == 0 ? "none" : "positional $1..$" + parsed.count)
                    : ":" + String.join(", :", parsed.nameList())) + "): " + Failures.excerpt(parsed.original), runner.lane());
        }
        return index;
    }

    private Flux<Result> execute(DefaultSession session, int fetch) {
        ParsedSql parsed = parsed();
        Statement statement;
        try {
            statement = session.forStatement().createStatement(parsed.sql);
        } catch (IllegalArgumentException e) {
            // the driver parses the SQL too; what it rejects is a usage error, its message may quote text of the SQL
            return Flux.error(new BindException("the driver rejected the statement's placeholders: "
                    + Failures.excerpt(parsed.original), runner.lane()));
        }
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
            } catch (IllegalArgumentException | UnsupportedOperationException | IndexOutOfBoundsException e) {
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
                    throw new NullPointerException("the RowMapper returned null for a row of: " + Failures.excerpt(parsed().original));
                }
                return t;
            };
        }

        @Override
        public Mono<T> one() {
            if (mistake != null) {
                return Mono.error(mistake);
            }
            return statement(s -> s.track(execute(s, 0).concatMap(r -> r.map(mapping))).single()
                    .onErrorMap(e -> sizeError(e, "exactly one row")));
        }

        @Override
        public Mono<T> optional() {
            if (mistake != null) {
                return Mono.error(mistake);
            }
            return statement(s -> s.track(execute(s, 0).concatMap(r -> r.map(mapping))).singleOrEmpty()
                    .onErrorMap(e -> sizeError(e, "at most one row")));
        }

        /** Reactor's own errors of {@code single()} and {@code singleOrEmpty()}, as Sluice's. */
        private Throwable sizeError(Throwable e, String expected) {
            if (e instanceof java.util.NoSuchElementException && "Source was empty".equals(e.getMessage())) {
                return new ResultSizeException(runner.lane(), parsed().original, expected, 1, 0);
            }
            if (e instanceof IndexOutOfBoundsException && String.valueOf(e.getMessage()).startsWith("Source emitted more than one item")) {
                return new ResultSizeException(runner.lane(), parsed().original, expected, 1, 2);
            }
            return e;
        }

        @Override
        public Flux<T> all() {
            if (mistake != null) {
                return Flux.error(mistake);
            }
            int fetch = fetchSize >= 0 ? fetchSize : runner.fetchSize();
            Flux<T> own = runner.run(s -> s.track(execute(s, fetch).concatMap(r -> r.map(mapping))), idempotent, operation);
            if (!idempotent || fetch == 0 || generatedColumns != null) {
                return own;
            }
            // safe to run again: try one fetch on a shared connection, and on a connection of its own if larger
            return runner.runStatementMany(s -> s.track(execute(s, fetch).concatMap(r -> r.map(mapping))), idempotent, operation,
                    parameterTypes()).onErrorResume(io.sluice.spi.LargerThanOneFetchException.class, e -> own);
        }
    }
}
