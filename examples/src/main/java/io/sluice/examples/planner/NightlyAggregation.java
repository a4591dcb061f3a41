package io.sluice.examples.planner;

import io.sluice.Database;
import io.sluice.Job;
import io.sluice.JobProgress;
import io.sluice.JobReport;
import io.sluice.examples.MealPlannerProperties;
import io.sluice.examples.PlannerLanes;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.scheduling.support.CronExpression;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The nightly aggregation of ratings and activity, on Sluice's chunked job runner ({@link Job}) on the
 * background lane: ratings not yet aggregated are claimed a chunk at a time ({@code FOR UPDATE SKIP LOCKED}),
 * added to each recipe's and each user's daily figures, and marked aggregated, in one transaction per chunk. A
 * run stopped halfway (shutdown, crash) loses one chunk's transaction; the next run picks up where it stopped,
 * and no rating is counted twice. Runs at {@code meal-planner.aggregation-cron} and on demand
 * ({@code POST /admin/aggregation}).
 */
@Component
public class NightlyAggregation implements SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(NightlyAggregation.class);

    /** A claimed rating. */
    record Claimed(long id, long recipeId, @Nullable Long userId, int stars, String day) {
    }

    private final Job<Claimed> job;
    private final @Nullable CronExpression cron;
    private final AtomicReference<@Nullable Disposable> run = new AtomicReference<>();
    private final AtomicBoolean busy = new AtomicBoolean();
    private volatile @Nullable JobReport lastReport;
    private volatile @Nullable JobProgress lastProgress;
    private volatile @Nullable Disposable schedule;

    public NightlyAggregation(Database db, PlannerLanes lanes, MealPlannerProperties props) {
        this.cron = props.aggregationCron().equals("-") ? null : CronExpression.parse(props.aggregationCron());
        this.job = Job.<Claimed>builder(db, lanes.background(), "nightly-aggregation")
                .claim("""
                        SELECT id, recipe_id, user_id, stars, created_at::date::text AS day FROM rating
                         WHERE NOT aggregated ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED""",
                        r -> new Claimed(r.get("id", Long.class), r.get("recipe_id", Long.class), r.get("user_id", Long.class),
                                r.get("stars", Short.class), r.get("day", String.class)))
                .key(Claimed::id)
                .process((s, chunk) -> s.sql("""
                                INSERT INTO recipe_daily_stats (recipe_id, day, ratings, stars_sum)
                                SELECT recipe_id, day::date, count(*), sum(stars) FROM unnest($1::bigint[], $2::text[], $3::int[])
                                    AS t(recipe_id, day, stars) GROUP BY recipe_id, day
                                ON CONFLICT (recipe_id, day) DO UPDATE SET ratings = recipe_daily_stats.ratings + excluded.ratings,
                                    stars_sum = recipe_daily_stats.stars_sum + excluded.stars_sum""")
                        .bind(1, chunk.stream().map(Claimed::recipeId).toArray(Long[]::new))
                        .bind(2, chunk.stream().map(Claimed::day).toArray(String[]::new))
                        .bind(3, chunk.stream().map(Claimed::stars).toArray(Integer[]::new))
                        .rowsUpdated()
                        .then(s.sql("""
                                        INSERT INTO user_daily_activity (user_id, day, ratings)
                                        SELECT user_id, day::date, count(*) FROM unnest($1::bigint[], $2::text[]) AS t(user_id, day)
                                         WHERE user_id IS NOT NULL GROUP BY user_id, day
                                        ON CONFLICT (user_id, day) DO UPDATE SET ratings = user_daily_activity.ratings + excluded.ratings""")
                                .bind(1, chunk.stream().map(Claimed::userId).toArray(Long[]::new))
                                .bind(2, chunk.stream().map(Claimed::day).toArray(String[]::new))
                                .rowsUpdated()))
                .markDone("UPDATE rating SET aggregated = true WHERE id = ANY($1)")
                .markFailed("UPDATE rating SET aggregated = true, aggregate_error = $2 WHERE id = $1")
                .remaining("SELECT count(*) FROM rating WHERE NOT aggregated")
                .chunkSize(500)
                .build();
        job.progress().subscribe(p -> lastProgress = p);
    }

    /** Starts a run unless one is running; {@code false} when one was. Returns at once; the run goes on in the background. */
    public boolean trigger() {
        if (!busy.compareAndSet(false, true)) {
            return false;
        }
        lastProgress = null;
        run.set(job.run()
                .doOnNext(r -> {
                    lastReport = r;
                    LOG.info("nightly aggregation: {} ratings in {} chunks, {} failed, {} ms", r.done(), r.chunks(), r.failed(),
                            r.elapsed().toMillis());
                })
                .doOnError(e -> LOG.warn("nightly aggregation stopped: {}", e.toString()))
                .doFinally(x -> busy.set(false))
                .subscribe(null, e -> { }));
        return true;
    }

    /** Whether a run is in progress. */
    public boolean running() {
        return busy.get();
    }

    public @Nullable JobReport lastReport() {
        return lastReport;
    }

    public @Nullable JobProgress lastProgress() {
        return lastProgress;
    }

    /** The job's progress events, after each committed chunk (hot). */
    public Flux<JobProgress> progress() {
        return job.progress();
    }

    @Override
    public void start() {
        if (cron != null) {
            schedule = Flux.defer(() -> Mono.delay(untilNext(cron)))
                    .repeat()
                    .subscribe(t -> trigger());
        } else {
            schedule = Mono.never().subscribe();
        }
    }

    static Duration untilNext(CronExpression cron) {
        LocalDateTime now = LocalDateTime.now();
        LocalDateTime next = cron.next(now);
        return next == null ? Duration.ofDays(365) : Duration.between(now, next);
    }

    /** Stops the schedule and a run in progress (its open chunk rolls back; the next run goes on from there). */
    @Override
    public void stop() {
        Disposable s = schedule;
        if (s != null) {
            s.dispose();
        }
        Disposable r = run.getAndSet(null);
        if (r != null) {
            r.dispose();
        }
        schedule = null;
    }

    @Override
    public boolean isRunning() {
        return schedule != null;
    }

    /** After the web server, before Sluice's lanes close. */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 3072;
    }

}
