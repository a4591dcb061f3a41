package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.ConfigurationException;
import io.sluice.Database;
import io.sluice.FailedItem;
import io.sluice.JobProgress;
import io.sluice.JobReport;
import io.sluice.Lane;
import io.sluice.RangeJob;
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
 * Range jobs: every key exactly once in done or failed, through injected failures, cancel and restart, two
 * runners at once, killed backends and an emulated server restart; a grown key space; bad settings.
 */
class RangeJobTest {

    private static final Lane LANE = Lane.BACKGROUND;
    private TestLanes t;
    private Lanes lanes;
    private Database db;

    @BeforeEach
    void start() {
        t = new TestLanes("rangejob");
        lanes = t.start(t.lane(LANE).maxSize(3).retry(RetryPolicy.none()).build());
        db = lanes.database();
        // keys with gaps (only odd ids exist); the job's effect is one row per key, with a CHECK some keys violate
        t.pg().execute("CREATE TABLE " + t.schema() + ".account (id bigint PRIMARY KEY)");
        t.pg().execute("CREATE TABLE " + t.schema() + ".effect (account bigint NOT NULL CHECK (account % 9973 <> 0))");
    }

    @AfterEach
    void stop() {
        t.close();
    }

    /** Odd accounts 1..max. */
    private void accounts(long max) {
        t.pg().execute("INSERT INTO " + t.schema() + ".account SELECT g FROM generate_series(1, " + max + ", 2) g ON CONFLICT DO NOTHING");
    }

    /** Accounts that are multiples of 10007 fail with the application's own exception; of 9973, with a constraint violation. */
    private RangeJob.Builder builder(Database on, String name, long rangeSize) {
        return RangeJob.builder(on, LANE, name)
                .keys("SELECT min(id), max(id) FROM account")
                .rangeSize(rangeSize)
                .process((s, first, last) -> {
                    for (long k = first; k <= last; k++) {
                        if (k % 10007 == 0 && k % 2 == 1) {
                            return Mono.error(new IllegalStateException("account " + k + " is poison"));
                        }
                    }
                    return s.sql("INSERT INTO effect SELECT id FROM account WHERE id BETWEEN $1 AND $2").bind(1, first).bind(2, last).rowsUpdated();
                });
    }

    private long sql(String query) {
        return db.sql(LANE, query).map(RowMapper.column(Long.class)).one().block();
    }

    private void assertExactlyOnce(String job, long max) {
        long accounts = sql("SELECT count(*) FROM account");
        long failed = sql("SELECT count(*) FROM sluice_job_range_failed WHERE job = '" + job + "'");
        long poison = sql("SELECT count(*) FROM account WHERE (id % 10007 = 0) OR id % 9973 = 0");
        assertThat(sql("SELECT count(*) FROM effect")).as("one effect per account but the failed").isEqualTo(accounts - failed);
        assertThat(sql("SELECT count(DISTINCT account) FROM effect")).as("no account processed twice").isEqualTo(accounts - failed);
        assertThat(failed).as("exactly the poison accounts failed").isEqualTo(poison);
        assertThat(sql("SELECT count(*) FROM sluice_job_range WHERE job = '" + job + "' AND state <> 'done'")).isZero();
        assertThat(sql("SELECT count(*) FROM sluice_job_range_failed f JOIN effect e ON e.account = f.key WHERE f.job = '" + job + "'"))
                .as("a failed key left no effect").isZero();
    }

    @Test
    void everyKeyEndsDoneOrFailedExactlyOnce() {
        long max = 200_000;                                       // 100,000 accounts
        accounts(max);
        List<FailedItem<Long>> dead = new CopyOnWriteArrayList<>();
        List<JobProgress> progress = new CopyOnWriteArrayList<>();
        RangeJob job = builder(db, "nightly", 1_000).concurrency(2).build();
        Disposable d = job.failures().subscribe(dead::add);
        Disposable p = job.progress().subscribe(progress::add);
        JobReport report = job.run().block(Duration.ofMinutes(3));
        d.dispose();
        p.dispose();

        assertExactlyOnce("nightly", max);
        long poison = sql("SELECT count(*) FROM account WHERE id % 10007 = 0 OR id % 9973 = 0");
        assertThat(poison).isPositive();
        assertThat(report.failed()).isEqualTo(poison);
        assertThat(report.done()).isEqualTo(100_000 - poison);
        assertThat(report.chunks()).isEqualTo(200);              // ranges [0, 999] .. [199000, 199999]
        assertThat(dead).extracting(FailedItem::item).containsExactlyInAnyOrderElementsOf(
                db.sql(LANE, "SELECT key FROM sluice_job_range_failed").map(RowMapper.column(Long.class)).all().collectList().block());
        assertThat(db.sql(LANE, "SELECT error FROM sluice_job_range_failed WHERE key = 30021").map(RowMapper.column(String.class)).one().block())
                .contains("account 30021 is poison");
        assertThat(db.sql(LANE, "SELECT error FROM sluice_job_range_failed WHERE key = 9973").map(RowMapper.column(String.class)).one().block())
                .contains("23514");
        JobProgress last = progress.stream().max(java.util.Comparator.comparingLong(JobProgress::chunks)).orElseThrow();
        assertThat(last.done()).isEqualTo(report.done());
        assertThat(last.remaining()).isZero();
        assertThat(progress.get(0).eta()).isNotNull();
        assertThat(io.sluice.testing.Await.noneLentOut(lanes, LANE)).as("connections still lent out (handed back within 5 s)").isTrue();

        // nothing left: a second run finds every range done
        assertThat(builder(db, "nightly", 1_000).build().run().block(Duration.ofMinutes(1)).chunks()).isZero();
    }

    @Test
    void aCancelledJobResumesWhereItStoppedWithNoDuplicates() {
        accounts(60_000);
        Disposable first = builder(db, "resume", 200).build().run().subscribe();
        assertThat(Await.until(Duration.ofSeconds(60), () -> sql("SELECT count(*) FROM effect") >= 5_000)).isTrue();
        first.dispose();
        assertThat(sql("SELECT count(*) FROM sluice_job_range WHERE job = 'resume' AND state = 'pending'")).isPositive();
        builder(db, "resume", 200).build().run().block(Duration.ofMinutes(2));
        assertExactlyOnce("resume", 60_000);
    }

    @Test
    void twoRunnersShareTheJobWithoutTakingTheSameRange() {
        accounts(80_000);
        List<JobReport> reports = Flux.merge(builder(db, "shared", 100).build().run(), builder(db, "shared", 100).build().run())
                .collectList().block(Duration.ofMinutes(2));
        assertExactlyOnce("shared", 80_000);
        assertThat(reports.get(0).chunks() + reports.get(1).chunks()).isEqualTo(800);
        assertThat(reports.get(0).chunks()).isPositive();
        assertThat(reports.get(1).chunks()).isPositive();
    }

    @Test
    void aGrownKeySpaceAddsOnlyTheNewRanges() {
        accounts(10_000);                                         // odd accounts up to 9,999: ranges 0 .. 9,000
        assertThat(builder(db, "grows", 1_000).build().run().block(Duration.ofMinutes(1)).chunks()).isEqualTo(10);
        accounts(25_000);                                         // new accounts 10,001 .. 24,999
        JobReport second = builder(db, "grows", 1_000).build().run().block(Duration.ofMinutes(1));
        assertThat(second.chunks()).isEqualTo(15);                 // 10,000 .. 24,000: only the new ranges
        assertExactlyOnce("grows", 25_000);
    }

    @Test
    void killedBackendsAndARestartLoseAndDoubleNothing() {
        accounts(80_000);
        FaultProxy proxy = FaultProxy.start(t.pg().server().host(), t.pg().server().port());
        ServerConfig server = t.pg().serverBuilder().host(proxy.host()).port(proxy.port()).connectTimeout(Duration.ofSeconds(2)).build();
        try (Lanes viaProxy = Lanes.builder(server).checkBudget(false).meterRegistry(new SimpleMeterRegistry())
                .lane(t.lane(LANE).maxSize(2).build()).build().start().block()) {
            Mono<JobReport> run = builder(viaProxy.database(), "faults", 20).build().run().cache();   // small ranges: the job outlasts the faults
            run.subscribe(x -> { }, e -> { });
            for (int i = 0; i < 3; i++) {
                Mono.delay(Duration.ofMillis(400)).block();
                t.pg().execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '" + t.appName(LANE) + "' AND pid <> pg_backend_pid()");
            }
            Mono.delay(Duration.ofMillis(400)).block();
            assertThat(sql("SELECT count(*) FROM sluice_job_range WHERE job = 'faults' AND state = 'pending'")).as("faults while the job runs").isPositive();
            proxy.dropAll().refuseNew(true);
            Mono.delay(Duration.ofMillis(300)).block();
            proxy.refuseNew(false);
            run.block(Duration.ofMinutes(2));
        } finally {
            proxy.close();
        }
        assertExactlyOnce("faults", 80_000);
    }

    @Test
    void invalidSettingsFailAtBuildAndAChangedRangeSizeAtRun() {
        assertThatThrownBy(() -> RangeJob.builder(db, LANE, "j").process((s, a, b) -> Mono.empty()).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("keys");
        assertThatThrownBy(() -> RangeJob.builder(db, LANE, "j").keys(10, 1).process((s, a, b) -> Mono.empty()).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("first key (10) must not be above the last (1)");
        assertThatThrownBy(() -> RangeJob.builder(db, LANE, "j").keys(1, 10).rangeSize(0).process((s, a, b) -> Mono.empty()).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("rangeSize");
        assertThatThrownBy(() -> RangeJob.builder(db, LANE, "j").keys(1, 10).table("x; DROP TABLE y").process((s, a, b) -> Mono.empty()).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("table");
        assertThatThrownBy(() -> RangeJob.builder(db, LANE, "j").keys(1, 10).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("process");

        accounts(5_000);
        builder(db, "sized", 1_000).build().run().block(Duration.ofMinutes(1));
        assertThatThrownBy(() -> builder(db, "sized", 500).build().run().block(Duration.ofMinutes(1)))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("another rangeSize than 500");
    }
}
