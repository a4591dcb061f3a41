package io.sluice;

import io.sluice.internal.Failures;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A {@link Batch}: statements kept with their values, checked as they are added (a mistake is kept and
 * fails {@link #execute()}), run through {@code runner} on a session that is inside a transaction.
 */
final class DefaultBatch implements Batch {

    /** A null value with its type, as {@link Batch#nullOf(Class)} gives it. */
    record TypedNull(Class<?> type) {
    }

    /** One statement: the SQL as the driver takes it, the original for messages, its values. */
    record Item(String sql, String original, Object[] values) {
    }

    private final @Nullable Lane lane;
    private final Function<Function<Session, Mono<BatchResult>>, Mono<BatchResult>> runner;
    private final List<Item> items = new ArrayList<>();
    private @Nullable BindException mistake;

    /** {@code runner}: runs the batch's work on a session, inside a transaction when the batch needs one of its own. */
    DefaultBatch(@Nullable Lane lane, Function<Function<Session, Mono<BatchResult>>, Mono<BatchResult>> runner) {
        this.lane = lane;
        this.runner = runner;
    }

    @Override
    public synchronized Batch add(String sql, Object... values) {
        if (mistake != null) {
            return this;
        }
        int index = items.size();
        if (sql == null || sql.isBlank()) {
            mistake = new BindException("statement " + index + " of the batch: the SQL is " + (sql == null ? "null" : "empty"), lane);
            return this;
        }
        Object[] v = values == null ? new Object[]{null} : values.clone();
        ParsedSql parsed;
        try {
            parsed = ParsedSql.of(sql);
        } catch (IllegalArgumentException e) {
            mistake = new BindException("statement " + index + " of the batch: " + e.getMessage(), lane);
            return this;
        }
        if (!parsed.names.isEmpty()) {
            mistake = new BindException("statement " + index + " of the batch uses named parameters; a batch binds by "
                    + "position ($1, $2, ...): " + Failures.excerpt(sql), lane);
        } else if (v.length != parsed.count) {
            mistake = new BindException("statement " + index + " of the batch has " + parsed.count + " placeholder"
                    + (parsed.count == 1 ? "" : "s") + " but " + v.length + " value" + (v.length == 1 ? " was" : "s were")
                    + " given: " + Failures.excerpt(sql), lane);
        } else {
            for (int i = 0; i < v.length; i++) {
                if (v[i] == null) {
                    mistake = new BindException("statement " + index + " of the batch: the value for $" + (i + 1)
                            + " is null; pass Batch.nullOf(Type.class) so PostgreSQL knows its type: " + Failures.excerpt(sql), lane);
                    return this;
                }
            }
            items.add(new Item(parsed.sql, parsed.original, v));
        }
        return this;
    }

    @Override
    public synchronized int size() {
        return items.size();
    }

    @Override
    public Mono<BatchResult> execute() {
        List<Item> snapshot;
        synchronized (this) {
            if (mistake != null) {
                return Mono.error(mistake);
            }
            snapshot = List.copyOf(items);
        }
        if (snapshot.isEmpty()) {
            return Mono.just(new BatchResult(new long[0]));
        }
        return runner.apply(s -> run(s, snapshot));
    }

    /**
     * Runs {@code items} on a session inside a transaction, in groups: consecutive statements with the same
     * SQL as one driver statement bound once per item, runs of statements without values as one
     * multi-statement message. A failure becomes a {@link BatchException} naming the statement whose result
     * did not arrive.
     */
    static Mono<BatchResult> run(Session session, List<Item> items) {
        long[] counts = new long[items.size()];
        AtomicInteger next = new AtomicInteger();
        Lane lane = session.lane();
        // Sluice's own statements go to the connection itself, not through the raw-connection handle users get
        Connection connection = session instanceof DefaultSession d ? d.raw() : session.connection();
        Flux<Long> all = Flux.defer(() -> Flux.fromIterable(groups(items)).concatMap(g -> Flux.from(g.apply(connection))
                .concatMap(r -> Mono.from(r.getRowsUpdated()).defaultIfEmpty(0L))
                .doOnNext(n -> counts[next.getAndIncrement()] = n)));
        if (session instanceof DefaultSession d) {
            all = d.track(all);
        }
        return all.then(Mono.fromSupplier(() -> new BatchResult(counts)))
                .onErrorMap(e -> BatchException.wrap(lane, e,
                        se -> new BatchException(lane, Math.min(next.get(), items.size() - 1), items.size(), se)));
    }

    /** Binds {@code v} to {@code $1..$n} of {@code st}; a {@link TypedNull} as a typed null. */
    static void bind(Statement st, Object[] v) {
        for (int p = 0; p < v.length; p++) {
            if (v[p] instanceof TypedNull n) {
                st.bindNull(p, n.type());
            } else {
                st.bind(p, v[p]);
            }
        }
    }

    /** The items as driver calls, in order; each emits one result per item it covers. */
    private static List<Function<Connection, org.reactivestreams.Publisher<? extends Result>>> groups(List<Item> items) {
        List<Function<Connection, org.reactivestreams.Publisher<? extends Result>>> groups = new ArrayList<>();
        int i = 0;
        while (i < items.size()) {
            Item first = items.get(i);
            int j = i + 1;
            if (first.values().length == 0) {
                while (j < items.size() && items.get(j).values().length == 0) {
                    j++;
                }
                List<Item> plain = items.subList(i, j);
                groups.add(c -> {
                    if (plain.size() == 1) {
                        return c.createStatement(plain.get(0).sql()).execute();
                    }
                    io.r2dbc.spi.Batch b = c.createBatch();
                    plain.forEach(it -> b.add(it.sql()));
                    return b.execute();
                });
            } else {
                while (j < items.size() && items.get(j).sql().equals(first.sql())) {
                    j++;
                }
                List<Item> bound = items.subList(i, j);
                groups.add(c -> {
                    // one driver statement bound once per item: parsed once. r2dbc-postgresql runs each
                    // binding as its own exchange, one round trip each (it does not pipeline them), but all
                    // in this one transaction, with no commit between them
                    Statement st = c.createStatement(first.sql());
                    for (int k = 0; k < bound.size(); k++) {
                        if (k > 0) {
                            st.add();
                        }
                        bind(st, bound.get(k).values());
                    }
                    return st.execute();
                });
            }
            i = j;
        }
        return groups;
    }
}
