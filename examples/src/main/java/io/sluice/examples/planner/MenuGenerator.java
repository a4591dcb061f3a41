package io.sluice.examples.planner;

import io.sluice.Database;
import io.sluice.RowMapper;
import io.sluice.TxOptions;
import io.sluice.examples.MealPlannerProperties;
import io.sluice.examples.PlannerLanes;
import io.sluice.examples.recipes.NotFoundException;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Weekly menus, generated as background work: {@link #submit} records the job (one quick insert on the
 * interactive lane, so the request answers 202 at once) and starts the generation on the background lane, one
 * short transaction per day of the menu, so no connection is held for the whole job and user requests on the
 * interactive lane never wait for it. Progress is kept in the {@code menu_job} row (for {@code GET /menu-jobs/{id}},
 * from any instance) and published as it happens ({@link #events}, {@link #progress()}).
 *
 * <p>On shutdown (before the lanes close) running generations are cancelled, their open transaction rolls back,
 * and their jobs are marked failed, to be submitted again.
 */
@Component
public class MenuGenerator implements SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(MenuGenerator.class);

    private final Database db;
    private final PlannerLanes lanes;
    private final int days;
    private final int meals;
    private final Map<Long, Sinks.Many<MenuProgress>> running = new ConcurrentHashMap<>();
    private final Map<Long, Disposable> work = new ConcurrentHashMap<>();
    private final Sinks.Many<MenuProgress> all = Sinks.many().multicast().directBestEffort();
    private volatile boolean started;

    public MenuGenerator(Database db, PlannerLanes lanes, MealPlannerProperties props) {
        this.db = db;
        this.lanes = lanes;
        this.days = props.menuDays();
        this.meals = props.mealsPerDay();
    }

    /** Records a job for the user's week and starts it; fails with {@link NotFoundException} for an unknown user. Cold. */
    public Mono<MenuProgress> submit(long userId, LocalDate weekStart) {
        int total = days * meals;
        return db.sql(lanes.interactive(), """
                        INSERT INTO menu_job (user_id, week_start, total)
                        SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM app_user WHERE id = $1)
                        RETURNING id""")
                .named("menus.submit")
                .bind(1, userId).bind(2, weekStart).bind(3, total)
                .map(RowMapper.column("id", Long.class))
                .optional()
                .switchIfEmpty(Mono.error(() -> new NotFoundException("no user " + userId)))
                .map(id -> {
                    MenuProgress queued = new MenuProgress(id, userId, "queued", 0, total, null);
                    Sinks.Many<MenuProgress> sink = Sinks.many().replay().latest();
                    running.put(id, sink);
                    publish(sink, queued);
                    work.put(id, generate(queued).subscribe(null, e -> { }, () -> { }));
                    return queued;
                });
    }

    private Mono<Void> generate(MenuProgress job) {
        Sinks.Many<MenuProgress> sink = running.get(job.jobId());
        return db.sql(lanes.background(), "UPDATE menu_job SET state = 'running' WHERE id = $1").named("menus.start")
                .bind(1, job.jobId()).rowsUpdated()
                .doOnSuccess(n -> publish(sink, new MenuProgress(job.jobId(), job.userId(), "running", 0, job.total(), null)))
                .thenMany(Flux.range(0, days).concatMap(day -> db.inTransaction(lanes.background(), TxOptions.readWrite().named("menus.day"),
                        s -> s.sql("""
                                        INSERT INTO menu_item (job_id, day, meal, recipe_id)
                                        SELECT $1, $2, (row_number() OVER () - 1)::smallint, id FROM (
                                            SELECT id FROM recipe
                                             WHERE id NOT IN (SELECT recipe_id FROM menu_item WHERE job_id = $1)
                                             ORDER BY coalesce((SELECT max(stars) FROM rating
                                                                 WHERE rating.recipe_id = recipe.id AND rating.user_id = $4), 3)
                                                      + 2 * random() DESC
                                             LIMIT $3) chosen""")
                                .bind(1, job.jobId()).bind(2, Short.valueOf((short) day.intValue())).bind(3, meals).bind(4, job.userId())
                                .rowsUpdated()
                                .then(s.sql("UPDATE menu_job SET done = $2 WHERE id = $1 RETURNING done")
                                        .bind(1, job.jobId()).bind(2, (day + 1) * meals)
                                        .map(RowMapper.column("done", Integer.class)).one()))))
                .doOnNext((Integer done) -> publish(sink, new MenuProgress(job.jobId(), job.userId(), "running", done, job.total(), null)))
                .then(db.sql(lanes.background(), "UPDATE menu_job SET state = 'done', finished_at = now() WHERE id = $1")
                        .named("menus.finish").bind(1, job.jobId()).rowsUpdated())
                .doOnSuccess(n -> publish(sink, new MenuProgress(job.jobId(), job.userId(), "done", job.total(), job.total(), null)))
                .then()
                .onErrorResume(e -> {
                    LOG.warn("menu job {} failed: {}", job.jobId(), e.toString());
                    return fail(job, "the menu could not be generated; submit it again");
                })
                .doFinally(s -> {
                    running.remove(job.jobId());
                    work.remove(job.jobId());
                });
    }

    private Mono<Void> fail(MenuProgress job, String why) {
        Sinks.Many<MenuProgress> sink = running.get(job.jobId());
        MenuProgress failed = new MenuProgress(job.jobId(), job.userId(), "failed", 0, job.total(), why);
        return db.sql(lanes.background(), "UPDATE menu_job SET state = 'failed', error = $2, finished_at = now() WHERE id = $1")
                .named("menus.fail").bind(1, job.jobId()).bind(2, why).rowsUpdated()
                .onErrorResume(x -> Mono.just(0L))
                .doFinally(s -> {
                    if (sink != null) {
                        publish(sink, failed);
                    }
                })
                .then();
    }

    private void publish(Sinks.Many<MenuProgress> sink, MenuProgress p) {
        sink.tryEmitNext(p);
        if (p.finished()) {
            sink.tryEmitComplete();
        }
        all.tryEmitNext(p);
    }

    /** The job as stored, from any instance; empty when there is no such job. */
    public Mono<MenuProgress> status(long jobId) {
        return db.sql(lanes.interactive(), "SELECT id, user_id, state, done, total, error FROM menu_job WHERE id = $1")
                .named("menus.status").bind(1, jobId)
                .map(r -> new MenuProgress(r.get("id", Long.class), r.get("user_id", Long.class), r.get("state", String.class),
                        r.get("done", Integer.class), r.get("total", Integer.class), r.get("error", String.class)))
                .optional();
    }

    /** The menu a finished job chose: day, meal, recipe id and name. */
    public Flux<Map<String, Object>> items(long jobId) {
        return db.sql(lanes.interactive(), """
                        SELECT i.day, i.meal, i.recipe_id, r.name FROM menu_item i JOIN recipe r ON r.id = i.recipe_id
                         WHERE i.job_id = $1 ORDER BY i.day, i.meal""")
                .named("menus.items").bind(1, jobId)
                .map(r -> Map.<String, Object>of("day", r.get("day", Short.class), "meal", r.get("meal", Short.class),
                        "recipeId", r.get("recipe_id", Long.class), "name", r.get("name", String.class)))
                .all();
    }

    /**
     * The job's progress until it finishes: live when it runs in this instance (the latest state first), else
     * read from its row every half second (a job another instance runs). Empty for an unknown job.
     */
    public Flux<MenuProgress> events(long jobId) {
        Sinks.Many<MenuProgress> sink = running.get(jobId);
        if (sink != null) {
            return sink.asFlux();
        }
        return Flux.interval(Duration.ZERO, Duration.ofMillis(500))
                .concatMap(t -> status(jobId).map(List::of).defaultIfEmpty(List.of()))
                .takeUntil(p -> p.isEmpty() || p.get(0).finished())
                .concatMapIterable(p -> p)
                .distinctUntilChanged();
    }

    /** Every job's progress in this instance, as it happens (hot; for the lanes page). */
    public Flux<MenuProgress> progress() {
        return all.asFlux();
    }

    @Override
    public void start() {
        started = true;
    }

    /** Cancels running generations (their transaction rolls back) and marks their jobs failed; before the lanes close. */
    @Override
    public void stop() {
        for (Map.Entry<Long, Disposable> w : Map.copyOf(work).entrySet()) {
            w.getValue().dispose();
            db.sql(lanes.background(), "UPDATE menu_job SET state = 'failed', error = $2, finished_at = now() WHERE id = $1 AND state <> 'done'")
                    .bind(1, w.getKey()).bind(2, "interrupted by a shutdown; submit it again").rowsUpdated()
                    .onErrorResume(e -> Mono.just(0L))
                    .block(Duration.ofSeconds(5));
        }
        started = false;
    }

    @Override
    public boolean isRunning() {
        return started;
    }

    /** After the web server (which stops at {@code DEFAULT_PHASE - 2048}), before Sluice's lanes close. */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 3072;
    }
}
