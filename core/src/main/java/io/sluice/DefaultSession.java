package io.sluice;

import io.sluice.internal.Failures;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.R2dbcException;
import io.sluice.spi.LaneSource;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** A borrowed connection and what Sluice needs to know about it to hand it back cleanly. */
final class DefaultSession implements Session, DefaultQuery.Runner {

    private final Lane lane;
    private final Connection connection;
    private final boolean transactional;
    private final int fetchSize;
    private volatile boolean closed;
    /** The last statement failed on the server: inside a transaction, PostgreSQL has aborted it. */
    private volatile boolean lastStatementFailed;
    /** A statement was sent and has not completed or failed: on cancel it may still run on the server. */
    private volatile boolean statementRunning;
    private volatile boolean anyStatementSent;
    private volatile boolean commitSent;
    /** Something went through the raw connection that may have changed the server session's state. */
    private volatile boolean dirty;
    private volatile @Nullable SessionConnection handedOut;
    /** The lane's source, for what goes past the R2DBC SPI (COPY); null in a session made without one. */
    private volatile @Nullable LaneSource source;
    private int savepoints;

    DefaultSession(Lane lane, Connection connection, boolean transactional, int fetchSize) {
        this.lane = lane;
        this.connection = connection;
        this.transactional = transactional;
        this.fetchSize = fetchSize;
    }

    @Override
    public Lane lane() {
        return lane;
    }

    @Override
    public boolean inTransaction() {
        return transactional;
    }

    @Override
    public Query sql(String sql) {
        return new DefaultQuery(this, sql);
    }

    @Override
    public Connection connection() {
        if (closed) {
            throw new SessionClosedException(lane);
        }
        SessionConnection c = handedOut;
        if (c == null) {
            c = new SessionConnection(this, connection);
            handedOut = c;
        }
        return c;
    }

    void source(LaneSource source) {
        this.source = source;
    }

    @Override
    public Batch batch() {
        return new DefaultBatch(lane, this::inOwnTransaction);
    }

    /** Runs {@code work} in this session's transaction, or in one of its own (rolled back on error; on cancel the unit's end rolls it back). */
    <T> Mono<T> inOwnTransaction(Function<Session, Mono<T>> work) {
        return Mono.defer(() -> {
            if (closed) {
                return Mono.<T>error(new SessionClosedException(lane));
            }
            if (transactional) {
                return work.apply(this);
            }
            return exec("BEGIN").then(Mono.defer(() -> work.apply(this))).map(Optional::of).defaultIfEmpty(Optional.empty())
                    .flatMap(o -> exec("COMMIT").then(Mono.justOrEmpty(o)))
                    .onErrorResume(e -> exec("ROLLBACK").onErrorResume(x -> Mono.empty()).then(Mono.<T>error(e)));
        }).onErrorMap(e -> Failures.translate(lane, e));
    }

    @Override
    public <T> Mono<T> savepoint(Function<Session, ? extends Mono<T>> work) {
        if (work == null) {
            throw new IllegalArgumentException("work must not be null");
        }
        return Mono.defer(() -> {
            if (closed) {
                return Mono.<T>error(new SessionClosedException(lane));
            }
            if (!transactional) {
                return Mono.<T>error(new IllegalStateException(SluiceException.prefix(lane) + "a savepoint needs a transaction: "
                        + "call savepoint(..) inside db.inTransaction(..)"));
            }
            String name = "sluice_sp_" + nextSavepoint();
            return exec("SAVEPOINT " + name)
                    .then(Mono.defer(() -> Mono.<T>from(java.util.Objects.requireNonNull(work.apply(this),
                            "the work function returned null instead of a publisher"))))
                    .map(Optional::of).defaultIfEmpty(Optional.empty())
                    .flatMap(o -> exec("RELEASE SAVEPOINT " + name).then(Mono.justOrEmpty(o)))
                    .onErrorResume(e -> exec("ROLLBACK TO SAVEPOINT " + name)
                            .then(Mono.fromRunnable(() -> lastStatementFailed = false))
                            .onErrorResume(x -> {
                                e.addSuppressed(x);
                                return Mono.empty();
                            })
                            .then(Mono.<T>error(Failures.translate(lane, e))));
        });
    }

    private synchronized int nextSavepoint() {
        return ++savepoints;
    }

    @Override
    public Mono<Long> insertRows(String table, List<String> columns, Publisher<? extends List<?>> rows) {
        String head = "INSERT INTO " + Identifiers.table(table) + " (" + Identifiers.columns(columns) + ") VALUES ";
        int width = columns.size();
        int perStatement = Math.max(1, Math.min(1000, ParsedSql.MAX_PARAMETERS / width));
        java.util.Objects.requireNonNull(rows, "rows");
        return inOwnTransaction(s -> {
            AtomicLong seen = new AtomicLong();
            return Flux.from(rows).buffer(perStatement).concatMap(chunk -> {
                long first = seen.getAndAdd(chunk.size());
                return insertChunk(head, width, chunk, first).onErrorMap(e -> BatchException.wrap(lane, e,
                        se -> new BatchException(lane, (int) (first / perStatement), -1, "the insert of rows " + first + " to "
                                + (first + chunk.size() - 1) + " failed, so none of the rows were kept", se)));
            }, 0).reduce(0L, Long::sum);
        });
    }

    private Mono<Long> insertChunk(String head, int width, List<? extends List<?>> chunk, long first) {
        StringBuilder sql = new StringBuilder(head.length() + chunk.size() * width * 5).append(head);
        int p = 1;
        for (int r = 0; r < chunk.size(); r++) {
            sql.append(r == 0 ? "(" : ", (");
            for (int c = 0; c < width; c++) {
                sql.append(c == 0 ? "$" : ", $").append(p++);
            }
            sql.append(')');
        }
        Object[] values = new Object[chunk.size() * width];
        for (int r = 0; r < chunk.size(); r++) {
            List<?> row = chunk.get(r);
            if (row == null || row.size() != width) {
                return Mono.error(new BindException("row " + (first + r) + " has " + (row == null ? "no" : row.size())
                        + " values but " + width + " columns were named", lane));
            }
            for (int c = 0; c < width; c++) {
                Object v = row.get(c);
                if (v == null) {
                    return Mono.error(new BindException("row " + (first + r) + ", column " + (c + 1) + " is null; pass "
                            + "Batch.nullOf(Type.class) so PostgreSQL knows its type", lane));
                }
                values[r * width + c] = v;
            }
        }
        // straight to the driver: the statement is built here, so there is nothing to parse or check again
        return Mono.defer(() -> {
            io.r2dbc.spi.Statement st = connection.createStatement(sql.toString());
            DefaultBatch.bind(st, values);
            return track(Flux.from(st.execute()).concatMap(io.r2dbc.spi.Result::getRowsUpdated)).reduce(0L, Long::sum);
        });
    }

    @Override
    public Mono<Long> copyIn(String table, List<String> columns, Publisher<? extends List<?>> rows) {
        String sql = "COPY " + Identifiers.table(table) + " (" + Identifiers.columns(columns) + ") FROM STDIN";
        java.util.Objects.requireNonNull(rows, "rows");
        List<String> cols = List.copyOf(columns);
        return inOwnTransaction(s -> {
            LaneSource ls = source;
            if (ls == null) {
                return Mono.<Long>error(new UnsupportedOperationException("COPY needs a lane source that supports it"));
            }
            AtomicLong seen = new AtomicLong();
            java.util.concurrent.atomic.AtomicReference<Throwable> encoding = new java.util.concurrent.atomic.AtomicReference<>();
            // One COPY per window of rows: the driver takes a COPY's input as fast as it is offered, so a
            // window bounds what can be buffered ahead of the socket; the transaction keeps them whole.
            return Flux.from(rows).window(COPY_ROWS_PER_STATEMENT).concatMap(window -> {
                Flux<ByteBuffer> data = window.buffer(COPY_ROWS_PER_MESSAGE)
                        .map(chunk -> CopyText.encode(chunk, seen.getAndAdd(chunk.size()), cols, lane))
                        .doOnError(encoding::set);
                return track(ls.copyIn(connection, sql, data).flux()).onErrorMap(e -> encoding.get() != null ? encoding.get() : e);
            }, 0).reduce(0L, Long::sum);
        });
    }

    /** Rows per CopyData message: about 8-64 KB for typical rows. */
    static final int COPY_ROWS_PER_MESSAGE = 512;
    /** Rows per COPY statement: what may be buffered ahead of the socket. */
    static final int COPY_ROWS_PER_STATEMENT = 20_000;

    private Mono<Void> exec(String sql) {
        return track(Flux.from(connection.createStatement(sql).execute()).concatMap(io.r2dbc.spi.Result::getRowsUpdated)).then();
    }

    @Override
    public <T> Flux<T> run(Function<DefaultSession, Flux<T>> body, boolean idempotent) {
        return Flux.defer(() -> closed ? Flux.error(new SessionClosedException(lane)) : body.apply(this))
                .onErrorMap(e -> Failures.translate(lane, e));
    }

    @Override
    public <T> Mono<T> runMono(Function<DefaultSession, Mono<T>> body, boolean idempotent) {
        return Mono.defer(() -> closed ? Mono.<T>error(new SessionClosedException(lane)) : body.apply(this))
                .onErrorMap(e -> Failures.translate(lane, e));
    }

    @Override
    public int fetchSize() {
        return fetchSize;
    }

    /** Follows one statement: running until it completes or fails (not when cancelled), and whether it failed on the server. */
    <T> Flux<T> track(Flux<T> statement) {
        statementRunning = true;
        anyStatementSent = true;
        return statement.doOnEach(signal -> {
            if (signal.isOnNext()) {
                lastStatementFailed = false;
            } else if (signal.isOnComplete()) {
                lastStatementFailed = false;
                statementRunning = false;
            } else if (signal.isOnError()) {
                statementRunning = false;
                if (signal.getThrowable() instanceof R2dbcException r && r.getSqlState() != null) {
                    lastStatementFailed = true;
                }
            }
        });
    }

    boolean lastStatementFailed() {
        return lastStatementFailed;
    }

    boolean anyStatementSent() {
        return anyStatementSent;
    }

    boolean commitSent() {
        return commitSent;
    }

    void markCommitSent() {
        commitSent = true;
    }

    boolean statementRunning() {
        return statementRunning;
    }

    boolean transactional() {
        return transactional;
    }

    void markDirty() {
        dirty = true;
    }

    /** Whether the unit used the raw connection in a way that may have changed the session's state. */
    boolean dirty() {
        return dirty;
    }

    /** The connection for Sluice's own statements (not marked dirty); fails once the session ended. */
    Connection forStatement() {
        if (closed) {
            throw new SessionClosedException(lane);
        }
        return connection;
    }

    Connection raw() {
        return connection;
    }

    void close() {
        closed = true;
    }
}
