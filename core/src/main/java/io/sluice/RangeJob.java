package io.sluice;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A background job over a range of integer keys, processed in ranges of {@code rangeSize} keys, each in a
 * transaction of its own on one lane. Where {@link Job} claims every item with a row lock, a range job
 * claims one row per range in a table of its own, so the job's items are written only by its own work:
 * on a server whose CPU is the bound, that is the cheaper way to take a million items.
 *
 * <p>How it works: {@code run()} makes sure the job's ranges exist in the range table (one row per range:
 * job, first key, last key, state; created on first use), aligned to multiples of {@code rangeSize} so a
 * later run over a grown key space only adds ranges. Each chunk claims the next pending range
 * ({@code FOR UPDATE SKIP LOCKED}, one row), runs {@code process(session, first, last)}, marks the range
 * done, and commits. So:
 * <ul>
 *   <li>resumable: a run stopped by cancel, shutdown or crash loses only its ranges in progress, which
 *       rolled back; the next run takes them again; no key is processed twice (as long as {@code process}
 *       writes only in its transaction);</li>
 *   <li>shared: runners in one process or several skip each other's locked ranges;</li>
 *   <li>a failing key does not stop the job: the range is run again with savepoints, in halves, until the
 *       failing key is alone; it is recorded in the failure table (job, key, error) and published on
 *       {@link #failures()}; the rest of the range commits. The first attempt runs without savepoints
 *       (they cost a round trip each and a subtransaction on the server), so only a failing range pays;</li>
 *   <li>a transient failure runs the range again, under the lane's retry policy and then up to
 *       {@code chunkRetries} more times with backoff; other failures end the run with the error.</li>
 * </ul>
 * A key space is the job's for good: its ranges keep the size they were made with ({@code run()} fails
 * with {@link ConfigurationException} if {@code rangeSize} changed), and a job whose ranges are all done
 * finds nothing more to do. Give each run over new data its own name (e.g. with the date).
 */
public final class RangeJob {

    private static final Pattern TABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?");

    /** The work on one range: {@code first} and {@code last} keys, both included. */
    @FunctionalInterface
    public interface RangeWork {
        /**
         * Does the work on the keys from {@code first} to {@code last} (both included) in {@code session}'s
         * transaction. What it emits that is a number is counted as items done (e.g. {@code rowsUpdated()});
         * when it emits none, nothing is counted.
         */
        Publisher<?> process(Session session, long first, long last);
    }

    private final Database db;
    private final Lane lane;
    private final String name;
    private final @Nullable String boundsSql;
    private final long from;
    private final long to;
    private final long rangeSize;
    private final RangeWork work;
    private final int concurrency;
    private final int chunkRetries;
    private final String ranges;
    private final String failedTable;
    private final Sinks.Many<FailedItem<Long>> failures = Sinks.many().multicast().directBestEffort();
    private final Sinks.Many<JobProgress> progress = Sinks.many().multicast().directBestEffort();

    private RangeJob(Builder b) {
        this.db = b.db;
        this.lane = b.lane;
        this.name = b.name;
        this.boundsSql = b.boundsSql;
        this.from = b.from;
        this.to = b.to;
        this.rangeSize = b.rangeSize;
        this.work = b.work;
        this.concurrency = b.concurrency;
        this.chunkRetries = b.chunkRetries;
        this.ranges = b.table;
        this.failedTable = b.table + "_failed";
    }

    public static Builder builder(Database db, Lane lane, String name) {
        return new Builder(db, lane, name);
    }

    public String name() {
        return name;
    }

    /** Keys recorded failed, each once its range committed (hot: subscribe before {@link #run()}). */
    public Flux<FailedItem<Long>> failures() {
        return failures.asFlux();
    }

    /** Where the run stands after each committed range (hot; a slow subscriber misses updates). */
    public Flux<JobProgress> progress() {
        return progress.asFlux();
    }

    /**
     * Makes the ranges (once), then processes pending ranges until none is left, {@code concurrency} at a
     * time. Cold; cancel stops it, rolling back the ranges in progress. The report counts items as
     * {@code process} emitted them, and ranges as chunks.
     */
    public Mono<JobReport> run() {
        return Mono.defer(() -> {
            JobRun run = new JobRun();
            return prepare()
                    .doOnNext(pending -> run.total = pending)
                    .thenMany(Flux.range(0, concurrency).flatMap(i -> run.loop(() -> chunk(run), chunkRetries), concurrency))
                    .then(Mono.fromSupplier(() -> run.report(name)));
        });
    }

    /** Creates the tables when missing, adds the key space's ranges, checks their size; emits the ranges pending. */
    private Mono<Long> prepare() {
        Mono<long[]> bounds = boundsSql == null ? Mono.just(new long[] {from, to})
                : db.sql(lane, boundsSql).map(r -> {
                    Long lo = r.get(0, Long.class);
                    Long hi = r.get(1, Long.class);
                    return lo == null || hi == null ? new long[] {1, 0} : new long[] {lo, hi};   // no keys: nothing to do
                }).optional().defaultIfEmpty(new long[] {1, 0});
        // runners starting together: one creates the tables (CREATE TABLE IF NOT EXISTS races in PostgreSQL)
        return bounds.flatMap(b -> db.inTransaction(lane, TxOptions.readWrite(), s -> s.sql("SELECT pg_advisory_xact_lock(hashtext($1))")
                .bind(1, "sluice.range-job." + ranges).rowsUpdated()
                .then(s.sql("CREATE TABLE IF NOT EXISTS " + ranges + " (job text NOT NULL, first_key bigint NOT NULL, "
                                + "last_key bigint NOT NULL, state text NOT NULL DEFAULT 'pending', items bigint, "
                                + "finished_at timestamptz, PRIMARY KEY (job, first_key))").rowsUpdated())
                .then(s.sql("CREATE TABLE IF NOT EXISTS " + failedTable + " (job text NOT NULL, key bigint NOT NULL, "
                        + "error text, failed_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (job, key))").rowsUpdated())
                .then(s.sql("SELECT last_key - first_key + 1 FROM " + ranges + " WHERE job = $1 "
                                + "AND (first_key % $2 <> 0 OR last_key - first_key + 1 <> $2) LIMIT 1")
                        .bind(1, name).bind(2, rangeSize).map(RowMapper.column(Long.class)).optional())
                .flatMap(other -> Mono.<Long>error(new ConfigurationException("rangeSize", "job '" + name + "': its ranges were "
                        + "made with another rangeSize than " + rangeSize + "; keep the size the job started with, or give "
                        + "the new run its own name")))
                .switchIfEmpty(b[1] < b[0] ? Mono.just(0L) : s.sql("INSERT INTO " + ranges + " (job, first_key, last_key) "
                                + "SELECT $1, g, g + $2 - 1 FROM generate_series(floor($3::numeric / $2)::bigint * $2, $4, $2) g "
                                + "ON CONFLICT (job, first_key) DO NOTHING")
                        .bind(1, name).bind(2, rangeSize).bind(3, b[0]).bind(4, b[1]).rowsUpdated())
                .then(s.sql("SELECT count(*) FROM " + ranges + " WHERE job = $1 AND state = 'pending'").bind(1, name)
                        .map(RowMapper.column(Long.class)).one())));
    }

    /** One range in one transaction, without savepoints; a key's failure runs it again in halves. Emits 1, or 0 when none is left. */
    private Mono<Integer> chunk(JobRun run) {
        AtomicBoolean claimed = new AtomicBoolean();
        long[] range = new long[2];
        return db.inTransaction(lane, s -> claim(s, null).flatMap(r -> {
                    claimed.set(true);
                    range[0] = r[0];
                    range[1] = r[1];
                    return count(work.process(s, r[0], r[1])).flatMap(n -> done(s, r, n).thenReturn(n));
                }))
                .map(items -> committed(run, items, 0))
                .defaultIfEmpty(0)
                .onErrorResume(e -> claimed.get() && !JobRun.chunkFailure(e), e -> isolated(run, range[0]));
    }

    /** The range starting at {@code first} again, its keys isolated in savepoints; 1 when it ran, 0 when another runner had it. */
    private Mono<Integer> isolated(JobRun run, long first) {
        java.util.List<FailedItem<Long>> failedHere = new java.util.ArrayList<>();
        long[] items = new long[1];
        return db.inTransaction(lane, s -> claim(s, first).flatMap(r -> isolate(s, r[0], r[1], failedHere, items)
                        .then(Mono.defer(() -> done(s, r, items[0])))
                        .thenReturn(1)))
                .map(x -> {
                    failedHere.forEach(failures::tryEmitNext);
                    return committed(run, items[0], failedHere.size());
                })
                .defaultIfEmpty(1);                        // someone else took it meanwhile: go on with the next
    }

    private Mono<Void> isolate(Session s, long first, long last, java.util.List<FailedItem<Long>> failed, long[] items) {
        return s.savepoint(sp -> count(work.process(sp, first, last)))
                .doOnNext(n -> items[0] += n)
                .then()
                .onErrorResume(e -> !JobRun.chunkFailure(e), e -> {
                    if (first == last) {
                        failed.add(new FailedItem<>(first, e));
                        return s.sql("INSERT INTO " + failedTable + " (job, key, error) VALUES ($1, $2, $3) "
                                        + "ON CONFLICT (job, key) DO UPDATE SET error = excluded.error, failed_at = now()")
                                .bind(1, name).bind(2, first).bind(3, JobRun.message(e)).rowsUpdated().then();
                    }
                    long mid = first + (last - first) / 2;
                    return isolate(s, first, mid, failed, items).then(isolate(s, mid + 1, last, failed, items));
                });
    }

    /** Claims the next pending range, or the one starting at {@code first}; empty when there is none to take. */
    private Mono<long[]> claim(Session s, @Nullable Long first) {
        Query q = first == null
                ? s.sql("SELECT first_key, last_key FROM " + ranges + " WHERE job = $1 AND state = 'pending' "
                        + "ORDER BY first_key LIMIT 1 FOR UPDATE SKIP LOCKED").bind(1, name)
                : s.sql("SELECT first_key, last_key FROM " + ranges + " WHERE job = $1 AND first_key = $2 AND state = 'pending' "
                        + "FOR UPDATE SKIP LOCKED").bind(1, name).bind(2, first);
        return q.map(r -> new long[] {r.get(0, Long.class), r.get(1, Long.class)}).optional();
    }

    private Mono<Long> done(Session s, long[] r, long items) {
        return s.sql("UPDATE " + ranges + " SET state = 'done', items = $3, finished_at = now() WHERE job = $1 AND first_key = $2")
                .bind(1, name).bind(2, r[0]).bind(3, items).rowsUpdated();
    }

    /** The items a range's work counted (numbers it emitted). */
    private static Mono<Long> count(Publisher<?> work) {
        return Flux.from(Objects.requireNonNull(work, "the range job's process returned null instead of a publisher"))
                .reduce(0L, (n, x) -> x instanceof Number num ? n + num.longValue() : n);
    }

    private int committed(JobRun run, long items, int failedKeys) {
        run.chunks.incrementAndGet();
        run.done.addAndGet(items);
        run.failed.addAndGet(failedKeys);
        long rangesLeft = Math.max(0, run.total - run.chunks.get());
        long perRange = run.done.get() / Math.max(1, run.chunks.get());
        progress.tryEmitNext(run.progress(name, run.total < 0 ? null : rangesLeft * perRange));
        return 1;
    }

    /** Builds a {@link RangeJob}; {@link #build()} checks every setting and names the one that is wrong. */
    public static final class Builder {
        private final Database db;
        private final Lane lane;
        private final String name;
        private @Nullable String boundsSql;
        private long from = 1;
        private long to = 0;
        private boolean keysGiven;
        private long rangeSize = 1_000;
        private RangeWork work;
        private int concurrency = 1;
        private int chunkRetries = 5;
        private String table = "sluice_job_range";

        private Builder(Database db, Lane lane, String name) {
            this.db = db;
            this.lane = lane;
            this.name = name;
        }

        /** The key space, both ends included. */
        public Builder keys(long first, long last) {
            this.from = first;
            this.to = last;
            this.keysGiven = true;
            this.boundsSql = null;
            return this;
        }

        /** The key space from a query of one row: its lowest and highest key ({@code SELECT min(id), max(id) FROM ...}), run at each start. */
        public Builder keys(String boundsSql) {
            this.boundsSql = boundsSql;
            this.keysGiven = true;
            return this;
        }

        /** Keys per range, the unit of claim, commit and retry (default 1,000). */
        public Builder rangeSize(long keys) {
            this.rangeSize = keys;
            return this;
        }

        /** The work on one range, in its transaction. */
        public Builder process(RangeWork work) {
            this.work = work;
            return this;
        }

        /** Ranges in progress at once, each on a connection of the lane (default 1). */
        public Builder concurrency(int ranges) {
            this.concurrency = ranges;
            return this;
        }

        /** Times a range is run again after a transient failure, beyond the lane's own retries (default 5). */
        public Builder chunkRetries(int times) {
            this.chunkRetries = times;
            return this;
        }

        /**
         * The table of ranges (default {@code sluice_job_range}, in the session's search path; may be
         * schema-qualified); failed keys go to the same name with {@code _failed}. Both are created when missing.
         */
        public Builder table(String name) {
            this.table = name;
            return this;
        }

        public RangeJob build() {
            require(db != null, "db", "give the Database the job runs on");
            require(lane != null, "lane", "give the lane the job runs on (usually Lane.BACKGROUND)");
            require(name != null && !name.isBlank(), "name", "give the job a name: its ranges are recorded under it");
            require(keysGiven, "keys", "give the key space: keys(first, last) or keys(\"SELECT min(id), max(id) FROM ...\")");
            require(boundsSql != null || from <= to, "keys", "the first key (" + from + ") must not be above the last (" + to + ")");
            require(rangeSize >= 1, "rangeSize", "must be at least 1, was " + rangeSize);
            require(work != null, "process", "give the work to do on a range");
            require(concurrency >= 1, "concurrency", "must be at least 1, was " + concurrency);
            require(chunkRetries >= 0, "chunkRetries", "must be 0 or more, was " + chunkRetries);
            require(table != null && TABLE.matcher(table).matches(), "table",
                    "must be a table name, optionally schema-qualified (letters, digits, _), was " + table);
            return new RangeJob(this);
        }

        private static void require(boolean ok, String setting, String message) {
            if (!ok) {
                throw new ConfigurationException(setting, "range job: " + setting + ": " + message);
            }
        }
    }
}
