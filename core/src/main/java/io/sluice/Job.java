package io.sluice;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A background job processed in chunks, each in a transaction of its own on one lane, so no connection
 * or transaction is held longer than one chunk takes, and user traffic on other lanes never waits for it.
 *
 * <p>How items are taken — claims: the job's {@code claim} query selects the next chunk's items and locks
 * them ({@code ... LIMIT $1 FOR UPDATE SKIP LOCKED}); {@code process} does the work; {@code markDone} makes
 * them unclaimable (e.g. {@code UPDATE ... SET state = 'done' WHERE id = ANY($1)}); all three commit
 * together. So:
 * <ul>
 *   <li>resumable: a run stopped by cancel, shutdown or crash loses only its current chunk's transaction,
 *       which rolled back; the next run claims those items again; none is processed twice;</li>
 *   <li>shared: runners in one process or several skip each other's locked items and never take the same
 *       one;</li>
 *   <li>a failing item (the application's own exception, a constraint violation) does not stop the job:
 *       the chunk is rolled back and run again in savepoints, in halves, until the item is alone (a first
 *       attempt runs without savepoints, so only a chunk with a failing item pays for them); that item
 *       is marked failed ({@code markFailed}, with its error) and published on {@link #failures()} once its
 *       chunk committed; the rest of the chunk commits;</li>
 *   <li>a transient failure (a lost connection, a deadlock, a serialization failure) runs the whole chunk
 *       again, under the lane's retry policy and then up to {@code chunkRetries} more times with backoff;
 *       other failures (bad SQL, a breaker open, the lane closed) end the run with the error.</li>
 * </ul>
 * The chunk size adapts to keep each chunk near {@code targetChunkTime} (halved when a chunk takes longer,
 * grown by half when one takes less than half), between 1 and {@code maxChunkSize}.
 *
 * @param <T> an item as the claim query's row mapper makes it
 */
public final class Job<T> {

    private final Database db;
    private final Lane lane;
    private final String name;
    private final String claimSql;
    private final RowMapper<T> mapper;
    private final Function<? super T, ?> key;
    private final BiFunction<Session, List<T>, ? extends Publisher<?>> process;
    private final String markDoneSql;
    private final String markFailedSql;
    private final int maxChunkSize;
    private final @Nullable Duration targetChunkTime;
    private final int chunkRetries;
    private final int concurrency;
    private final @Nullable String remainingSql;
    private volatile int chunkSize;
    private final Sinks.Many<FailedItem<T>> failures = Sinks.many().multicast().directBestEffort();
    private final Sinks.Many<JobProgress> progress = Sinks.many().multicast().directBestEffort();

    private Job(Builder<T> b) {
        this.db = b.db;
        this.lane = b.lane;
        this.name = b.name;
        this.claimSql = b.claimSql;
        this.mapper = b.mapper;
        this.key = b.key;
        this.process = b.process;
        this.markDoneSql = b.markDoneSql;
        this.markFailedSql = b.markFailedSql;
        this.maxChunkSize = b.maxChunkSize;
        this.targetChunkTime = b.targetChunkTime;
        this.chunkRetries = b.chunkRetries;
        this.chunkSize = b.chunkSize;
        this.concurrency = b.concurrency;
        this.remainingSql = b.remainingSql;
    }

    public static <T> Builder<T> builder(Database db, Lane lane, String name) {
        return new Builder<>(db, lane, name);
    }

    public String name() {
        return name;
    }

    /** The chunk size the next chunk will claim. */
    public int chunkSize() {
        return chunkSize;
    }

    /**
     * Items marked failed, each once its chunk committed (hot: subscribe before {@link #run()}; a slow
     * subscriber misses items rather than slowing the job — the failed marks in the table are the record).
     */
    public Flux<FailedItem<T>> failures() {
        return failures.asFlux();
    }

    /**
     * Where the run stands after each committed chunk (hot, like {@link #failures()}; a slow subscriber
     * misses updates, never slows the job).
     */
    public Flux<JobProgress> progress() {
        return progress.asFlux();
    }

    /**
     * Claims and processes chunks until the claim query finds nothing, {@code concurrency} chunks at a time
     * (each on a connection of its own). Cold; cancel stops it, rolling back the chunks in progress.
     */
    public Mono<JobReport> run() {
        return Mono.defer(() -> {
            JobRun run = new JobRun();
            Mono<Long> total = remainingSql == null ? Mono.just(-1L)
                    : db.sql(lane, remainingSql).map(RowMapper.column(Long.class)).one().defaultIfEmpty(-1L);
            return total.doOnNext(t -> run.total = t)
                    .thenMany(Flux.range(0, concurrency).flatMap(i -> {
                        java.util.concurrent.atomic.AtomicBoolean careful = new java.util.concurrent.atomic.AtomicBoolean();
                        return run.loop(() -> chunk(run, careful), chunkRetries);
                    }, concurrency))
                    .then(Mono.fromSupplier(() -> run.report(name)));
        });
    }

    private void publish(JobRun run) {
        Long remaining = run.total < 0 ? null : Math.max(0, run.total - run.done.get() - run.failed.get());
        progress.tryEmitNext(run.progress(name, remaining));
    }

    private record Outcome<T>(List<T> items, List<FailedItem<T>> failed) {
    }

    /**
     * One chunk in one transaction; emits how many items it claimed. The first attempt runs without a
     * savepoint (a round trip each way and a subtransaction on the server); when an item fails, the chunk
     * rolls back and runs again {@code careful}ly, in savepoints that isolate the item, and so does this
     * loop's next chunk only.
     */
    private Mono<Integer> chunk(JobRun run, java.util.concurrent.atomic.AtomicBoolean careful) {
        int size = chunkSize;
        long start = System.nanoTime();
        boolean isolating = careful.getAndSet(false);
        return db.inTransaction(lane, s -> {
            List<FailedItem<T>> failedHere = new ArrayList<>();  // per attempt: a retried chunk starts clean
            return s.sql(claimSql).bind(1, size).map(mapper).all().collectList()
                    .flatMap(items -> items.isEmpty() ? Mono.just(new Outcome<>(items, failedHere))
                            : (isolating ? isolate(s, items, failedHere) : processAndMark(s, items))
                                    .thenReturn(new Outcome<>(items, failedHere)));
        }).onErrorResume(e -> !isolating && !JobRun.chunkFailure(e), e -> {
            careful.set(true);
            return Mono.empty();
        }).map(o -> {
            if (!o.items().isEmpty()) {
                run.chunks.incrementAndGet();
                run.done.addAndGet(o.items().size() - o.failed().size());
                run.failed.addAndGet(o.failed().size());
                o.failed().forEach(f -> failures.tryEmitNext(f));
                adapt(o.items().size(), size, System.nanoTime() - start);
                publish(run);
            }
            return o.items().size();
        }).switchIfEmpty(Mono.defer(() -> chunk(run, careful)));   // an item failed: the same chunk, carefully
    }

    private Mono<Long> processAndMark(Session s, List<T> items) {
        return Flux.from(Objects.requireNonNull(process.apply(s, items), "process returned null"))
                .then(s.sql(markDoneSql).bind(1, keys(items)).rowsUpdated());
    }

    /**
     * Processes {@code items} and marks them done inside a savepoint; when an item fails, rolls back to the
     * savepoint and does each half again, until the failing item is alone, which is marked failed.
     */
    private Mono<Void> isolate(Session s, List<T> items, List<FailedItem<T>> failed) {
        return s.savepoint(sp -> processAndMark(sp, items))
                .then()
                .onErrorResume(e -> !JobRun.chunkFailure(e), e -> {
                    if (items.size() == 1) {
                        failed.add(new FailedItem<>(items.get(0), e));
                        return s.sql(markFailedSql).bind(1, key.apply(items.get(0))).bind(2, JobRun.message(e)).rowsUpdated().then();
                    }
                    int half = items.size() / 2;
                    return isolate(s, items.subList(0, half), failed).then(isolate(s, items.subList(half, items.size()), failed));
                });
    }

    private Object keys(List<T> items) {
        List<Object> keys = new ArrayList<>(items.size());
        for (T item : items) {
            keys.add(Objects.requireNonNull(key.apply(item), "the job's key function returned null"));
        }
        return SqlArrays.of(keys.get(0).getClass(), keys);
    }

    private void adapt(int claimed, int size, long nanos) {
        if (targetChunkTime == null) {
            return;
        }
        long target = targetChunkTime.toNanos();
        if (nanos > target) {
            chunkSize = Math.max(1, size / 2);
        } else if (nanos < target / 2 && claimed == size) {
            chunkSize = Math.min(maxChunkSize, size + Math.max(1, size / 2));
        }
    }

    /** Builds a {@link Job}; {@link #build()} checks every setting and names the one that is wrong. */
    public static final class Builder<T> {
        private final Database db;
        private final Lane lane;
        private final String name;
        private String claimSql;
        private RowMapper<T> mapper;
        private Function<? super T, ?> key;
        private BiFunction<Session, List<T>, ? extends Publisher<?>> process;
        private String markDoneSql;
        private String markFailedSql;
        private int chunkSize = 100;
        private int maxChunkSize = 10_000;
        private @Nullable Duration targetChunkTime = Duration.ofSeconds(1);
        private int chunkRetries = 5;
        private int concurrency = 1;
        private @Nullable String remainingSql;

        private Builder(Database db, Lane lane, String name) {
            this.db = db;
            this.lane = lane;
            this.name = name;
        }

        /** The query that claims the next chunk: {@code $1} is the chunk size; it must lock what it takes ({@code FOR UPDATE SKIP LOCKED}). */
        public Builder<T> claim(String sql, RowMapper<T> mapper) {
            this.claimSql = sql;
            this.mapper = mapper;
            return this;
        }

        /** An item's key, bound to {@code markDone} (as an array) and {@code markFailed}. */
        public Builder<T> key(Function<? super T, ?> key) {
            this.key = key;
            return this;
        }

        /** The work on a chunk, inside its transaction (a savepoint of it). */
        public Builder<T> process(BiFunction<Session, List<T>, ? extends Publisher<?>> work) {
            this.process = work;
            return this;
        }

        /** Makes a chunk's items unclaimable: {@code $1} is the array of their keys. */
        public Builder<T> markDone(String sql) {
            this.markDoneSql = sql;
            return this;
        }

        /** Marks one item failed: {@code $1} its key, {@code $2} the error's message (text). */
        public Builder<T> markFailed(String sql) {
            this.markFailedSql = sql;
            return this;
        }

        /** Items the first chunk claims (default 100). */
        public Builder<T> chunkSize(int items) {
            this.chunkSize = items;
            return this;
        }

        /** The most a chunk grows to (default 10,000). */
        public Builder<T> maxChunkSize(int items) {
            this.maxChunkSize = items;
            return this;
        }

        /** The time a chunk should take (default 1 s); null keeps the chunk size fixed. */
        public Builder<T> targetChunkTime(@Nullable Duration time) {
            this.targetChunkTime = time;
            return this;
        }

        /** Times a chunk is run again after a transient failure, beyond the lane's own retries (default 5). */
        public Builder<T> chunkRetries(int times) {
            this.chunkRetries = times;
            return this;
        }

        /** Chunks in progress at once, each on a connection of the lane (default 1; at most the lane's size helps). */
        public Builder<T> concurrency(int chunks) {
            this.concurrency = chunks;
            return this;
        }

        /**
         * A query counting the items left ({@code SELECT count(*) ... WHERE state = 'pending'}), run once when a
         * run starts, for the remaining items and ETA of {@link Job#progress()}. Optional.
         */
        public Builder<T> remaining(@Nullable String countSql) {
            this.remainingSql = countSql;
            return this;
        }

        public Job<T> build() {
            require(db != null, "db", "give the Database the job runs on");
            require(lane != null, "lane", "give the lane the job runs on (usually Lane.BACKGROUND)");
            require(name != null && !name.isBlank(), "name", "give the job a name, for its report and logs");
            require(claimSql != null && mapper != null, "claim", "give the claim query and its row mapper");
            String upper = claimSql.toUpperCase(java.util.Locale.ROOT);
            require(claimSql.contains("$1"), "claim", "the claim query must take the chunk size as $1 (LIMIT $1)");
            require(upper.contains("FOR UPDATE") && upper.contains("SKIP LOCKED"), "claim",
                    "the claim query must lock what it takes, so runners never share an item: end it with FOR UPDATE SKIP LOCKED");
            require(key != null, "key", "give the function that reads an item's key");
            require(process != null, "process", "give the work to do on a chunk");
            require(markDoneSql != null && markDoneSql.contains("$1"), "markDone",
                    "give the statement that marks a chunk done, taking the keys as an array in $1 (WHERE id = ANY($1))");
            require(markFailedSql != null && markFailedSql.contains("$1") && markFailedSql.contains("$2"), "markFailed",
                    "give the statement that marks an item failed, taking its key as $1 and the error as $2");
            require(chunkSize >= 1, "chunkSize", "must be at least 1, was " + chunkSize);
            require(maxChunkSize >= chunkSize, "maxChunkSize", "must be at least chunkSize (" + chunkSize + "), was " + maxChunkSize);
            require(targetChunkTime == null || (!targetChunkTime.isNegative() && !targetChunkTime.isZero()), "targetChunkTime",
                    "must be positive, or null for a fixed chunk size");
            require(concurrency >= 1, "concurrency", "must be at least 1, was " + concurrency);
            require(chunkRetries >= 0, "chunkRetries", "must be 0 or more, was " + chunkRetries);
            return new Job<>(this);
        }

        private static void require(boolean ok, String setting, String message) {
            if (!ok) {
                throw new ConfigurationException(setting, "job: " + setting + ": " + message);
            }
        }
    }
}
