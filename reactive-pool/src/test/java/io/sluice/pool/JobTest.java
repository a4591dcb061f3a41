package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.ConfigurationException;
import io.sluice.Database;
import io.sluice.FailedItem;
import io.sluice.Job;
import io.sluice.JobReport;
import io.sluice.Lane;
import io.sluice.RowMapper;
import io.sluice.testing.Await;
import io.sluice.testing.FaultProxy;
import io.sluice.testing.TestLanes;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Chunked jobs: every item exactly once in done or failed, through injected failures, cancel and restart,
 * two runners at once, killed backends and an emulated server restart.
 */
class JobTest {

    private static final Lane LANE = Lane.BACKGROUND;
    private TestLanes t;
    private Lanes lanes;
    private Database db;

    @BeforeEach
    void start() {
        t = new TestLanes("job");
        lanes = t.start(t.lane(LANE).maxSize(3).retry(RetryPolicy.none()).build());
        db = lanes.database();
        t.pg().execute("CREATE TABLE " + t.schema() + ".job_item (id int PRIMARY KEY, state text NOT NULL DEFAULT 'pending', error text)");
        // the job's effect: one row per processed item; a CHECK that some items violate
        t.pg().execute("CREATE TABLE " + t.schema() + ".effect (item int NOT NULL CHECK (item % 9973 <> 0))");
    }

    @AfterEach
    void stop() {
        t.close();
    }

    private void items(int n) {
        t.pg().execute("INSERT INTO " + t.schema() + ".job_item (id) SELECT g FROM generate_series(1, " + n + ") g");
    }

    /** Items whose id is a multiple of 10007 fail with the application's own exception; of 9973, with a constraint violation. */
    private Job<Integer> job(Database on, int chunk) {
        return job(on, chunk, Duration.ofSeconds(1));
    }

    private Job<Integer> job(Database on, int chunk, Duration target) {
        return builder(on, chunk, target).build();
    }

    private Job.Builder<Integer> builder(Database on, int chunk, Duration target) {
        return Job.<Integer>builder(on, LANE, "test-job")
                .claim("SELECT id FROM job_item WHERE state = 'pending' ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED", RowMapper.column(Integer.class))
                .key(id -> id)
                .process((s, ids) -> {
                    for (Integer id : ids) {
                        if (id % 10007 == 0) {
                            return Mono.error(new IllegalStateException("item " + id + " is poison"));
                        }
                    }
                    return s.sql("INSERT INTO effect (item) SELECT unnest($1::int[])").bind(1, ids.toArray(new Integer[0])).rowsUpdated();
                })
                .markDone("UPDATE job_item SET state = 'done' WHERE id = ANY($1)")
                .markFailed("UPDATE job_item SET state = 'failed', error = $2 WHERE id = $1")
                .chunkSize(chunk)
                .targetChunkTime(target);
    }

    private long sql(String query) {
        return db.sql(LANE, query).map(RowMapper.column(Long.class)).one().block();
    }

    private void assertExactlyOnce(int n) {
        long done = sql("SELECT count(*) FROM job_item WHERE state = 'done'");
        long failed = sql("SELECT count(*) FROM job_item WHERE state = 'failed'");
        assertThat(done + failed).as("every item done or failed").isEqualTo(n);
        assertThat(sql("SELECT count(*) FROM effect")).as("one effect per done item").isEqualTo(done);
        assertThat(sql("SELECT count(DISTINCT item) FROM effect")).as("no item processed twice").isEqualTo(done);
        assertThat(sql("SELECT count(*) FROM job_item j WHERE state = 'done' AND NOT EXISTS (SELECT 1 FROM effect e WHERE e.item = j.id)")).isZero();
        long poison = n / 10007 + n / 9973 - n / (10007L * 9973);
        assertThat(failed).as("exactly the poison items failed").isEqualTo(poison);
    }

    @Test
    void everyItemEndsDoneOrFailedExactlyOnce() {
        int n = 100_000;
        items(n);
        List<FailedItem<Integer>> dead = new CopyOnWriteArrayList<>();
        List<io.sluice.JobProgress> progress = new CopyOnWriteArrayList<>();
        Job<Integer> job = builder(db, 500, Duration.ofSeconds(1)).concurrency(2)
                .remaining("SELECT count(*) FROM job_item WHERE state = 'pending'").build();
        Disposable d = job.failures().subscribe(dead::add);
        Disposable p = job.progress().subscribe(progress::add);
        JobReport report = job.run().block(Duration.ofMinutes(3));
        d.dispose();
        p.dispose();
        io.sluice.JobProgress last = progress.stream().max(java.util.Comparator.comparingLong(x -> x.done() + x.failed())).orElseThrow();
        assertThat(last.done() + last.failed()).isEqualTo(n);
        assertThat(last.remaining()).isZero();
        assertThat(progress.get(0).eta()).isNotNull();
        assertThat(progress.get(0).itemsPerSecond()).isPositive();
        assertExactlyOnce(n);
        assertThat(report.failed()).isEqualTo(19);                 // 9 multiples of 10007, 10 of 9973
        assertThat(report.done()).isEqualTo(n - 19);
        assertThat(dead).extracting(FailedItem::item).containsExactlyInAnyOrderElementsOf(
                db.sql(LANE, "SELECT id FROM job_item WHERE state = 'failed'").map(RowMapper.column(Integer.class)).all().collectList().block());
        assertThat(db.sql(LANE, "SELECT error FROM job_item WHERE id = 10007").map(RowMapper.column(String.class)).one().block())
                .contains("item 10007 is poison");
        assertThat(db.sql(LANE, "SELECT error FROM job_item WHERE id = 9973").map(RowMapper.column(String.class)).one().block())
                .contains("23514");
        assertThat(io.sluice.testing.Await.noneLentOut(lanes, LANE)).as("connections still lent out (handed back within 5 s)").isTrue();
    }

    @Test
    void aCancelledJobResumesWhereItStoppedWithNoDuplicates() {
        int n = 30_000;
        items(n);
        Disposable first = job(db, 200).run().subscribe();
        assertThat(Await.until(Duration.ofSeconds(60), () -> sql("SELECT count(*) FROM job_item WHERE state <> 'pending'") >= 5_000)).isTrue();
        first.dispose();
        long afterCancel = sql("SELECT count(*) FROM job_item WHERE state <> 'pending'");
        assertThat(afterCancel).isLessThan(n);
        job(db, 200).run().block(Duration.ofMinutes(2));
        assertExactlyOnce(n);
    }

    @Test
    void twoRunnersShareTheJobWithoutTakingTheSameItem() {
        int n = 40_000;
        items(n);
        List<JobReport> reports = Flux.merge(job(db, 100).run(), job(db, 100).run()).collectList().block(Duration.ofMinutes(2));
        assertExactlyOnce(n);
        assertThat(reports.get(0).done() + reports.get(0).failed() + reports.get(1).done() + reports.get(1).failed()).isEqualTo(n);
    }

    @Test
    void killedBackendsAndARestartLoseAndDoubleNothing() {
        int n = 40_000;
        items(n);
        FaultProxy proxy = FaultProxy.start(t.pg().server().host(), t.pg().server().port());
        ServerConfig server = t.pg().serverBuilder().host(proxy.host()).port(proxy.port()).connectTimeout(Duration.ofSeconds(2)).build();
        try (Lanes viaProxy = Lanes.builder(server).checkBudget(false).meterRegistry(new SimpleMeterRegistry())
                .lane(t.lane(LANE).maxSize(2).build()).build().start().block()) {
            Job<Integer> job = job(viaProxy.database(), 20, null);      // small fixed chunks: the job outlasts the faults
            Mono<JobReport> run = job.run().cache();
            run.subscribe(x -> { }, e -> { });
            for (int i = 0; i < 3; i++) {
                Mono.delay(Duration.ofMillis(400)).block();
                t.pg().execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '" + t.appName(LANE) + "' AND pid <> pg_backend_pid()");
            }
            Mono.delay(Duration.ofMillis(400)).block();
            assertThat(sql("SELECT count(*) FROM job_item WHERE state = 'pending'")).as("faults while the job runs").isPositive();
            proxy.dropAll().refuseNew(true);                       // the server "restarts": every connection drops, new ones refused
            Mono.delay(Duration.ofMillis(300)).block();
            proxy.refuseNew(false);
            run.block(Duration.ofMinutes(2));
        } finally {
            proxy.close();
        }
        assertExactlyOnce(n);
    }

    @Test
    void invalidSettingsFailAtBuildNamingTheSetting() {
        assertThatThrownBy(() -> Job.<Integer>builder(db, LANE, "j").claim("SELECT id FROM job_item LIMIT $1", RowMapper.column(Integer.class))
                .key(x -> x).process((s, l) -> Mono.empty()).markDone("UPDATE job_item SET state='done' WHERE id = ANY($1)")
                .markFailed("UPDATE job_item SET error=$2 WHERE id=$1").build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("FOR UPDATE SKIP LOCKED");
        assertThatThrownBy(() -> job(db, 0))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("chunkSize");
    }
}
