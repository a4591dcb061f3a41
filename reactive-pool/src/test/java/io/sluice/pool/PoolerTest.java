package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.Database;
import io.sluice.DatabaseException;
import io.sluice.Deadline;
import io.sluice.DeadlineExceededException;
import io.sluice.Isolation;
import io.sluice.Lane;
import io.sluice.QueryTimeoutException;
import io.sluice.RowMapper;
import io.sluice.TxOptions;
import io.sluice.testing.Await;
import io.sluice.testing.PgBouncerFixture;
import io.sluice.testing.TestLanes;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * Through a real PgBouncer 1.18 in transaction mode: lanes, their settings, transactions and their options,
 * deadlines, cancel, lending and batches work as they do straight to PostgreSQL, and no session state leaks
 * from one unit of work to the next.
 */
class PoolerTest {

    private static final Lane LANE = Lane.INTERACTIVE;
    private static final Lane BG = Lane.BACKGROUND;
    /** A lane with no settings but its application_name, which PgBouncer tracks itself. */
    private static final Lane PLAIN = Lane.of("plain");
    private static TestLanes t;
    private static PgBouncerFixture bouncer;
    private static Lanes lanes;
    private static Database db;

    @BeforeAll
    static void start() {
        t = new TestLanes("pooler");
        bouncer = PgBouncerFixture.get();
        t.pg().execute("CREATE TABLE " + t.schema() + ".item (id int PRIMARY KEY, name text)");
        lanes = Lanes.builder(bouncer.server().build())
                .lane(t.lane(LANE).maxSize(3).statementTimeout(Duration.ofMillis(4321)).build())
                .lane(t.lane(BG).maxSize(2).retry(RetryPolicy.none()).build())
                .lane(LaneConfig.builder(PLAIN).applicationName(t.appName(PLAIN)).maxSize(1).build())
                .lend(BG, LANE, 0)
                .build().start().block();
        db = lanes.database();
    }

    @AfterAll
    static void stop() {
        if (lanes != null) {
            lanes.close();
        }
        t.close();
    }

    @BeforeEach
    void empty() {
        t.pg().execute("TRUNCATE " + t.schema() + ".item");
    }

    private static String one(Lane lane, String sql) {
        return db.sql(lane, sql).map(RowMapper.column(String.class)).one().block();
    }

    @Test
    void eachUnitGetsItsLanesSettingsFromItsOwnBegin() {
        // search_path: a startup parameter PgBouncer would drop; here it comes with the unit's BEGIN
        assertThat(one(LANE, "SELECT count(*)::text FROM item")).isEqualTo("0");
        assertThat(one(LANE, "SHOW statement_timeout")).isEqualTo("4321ms");
        assertThat(one(LANE, "SELECT current_setting('application_name')")).isEqualTo(t.appName(LANE));
        assertThat(one(BG, "SELECT current_setting('application_name')")).isEqualTo(t.appName(BG));
        // the background lane sets no statement_timeout: what the interactive lane set did not outlive its unit,
        // though both share PgBouncer's few server connections
        for (int i = 0; i < 2 * PgBouncerFixture.SERVER_POOL_SIZE; i++) {
            assertThat(one(LANE, "SHOW statement_timeout")).isEqualTo("4321ms");
            assertThat(one(BG, "SHOW statement_timeout")).isEqualTo("0");
        }
    }

    @Test
    void transactionsCommitRollBackAndHonourTheirOptions() {
        db.inTransaction(LANE, s -> s.sql("INSERT INTO item VALUES (1, 'a')").rowsUpdated()).block();
        StepVerifier.create(db.inTransaction(LANE, s -> s.sql("INSERT INTO item VALUES (2, 'b')").rowsUpdated()
                        .then(s.sql("INSERT INTO item VALUES (1, 'dup')").rowsUpdated())))
                .expectError(io.sluice.IntegrityViolationException.class).verify();
        assertThat(one(LANE, "SELECT string_agg(id::text, ',') FROM item")).isEqualTo("1");
        String iso = db.inTransaction(LANE, TxOptions.readOnly().withIsolation(Isolation.SERIALIZABLE),
                s -> s.sql("SELECT current_setting('transaction_isolation') || ' ' || current_setting('transaction_read_only')")
                        .map(RowMapper.column(String.class)).one()).block();
        assertThat(iso).isEqualTo("serializable on");
        String timeout = db.inTransaction(LANE, TxOptions.defaults().withStatementTimeout(Duration.ofMillis(250)),
                s -> s.sql("SHOW statement_timeout").map(RowMapper.column(String.class)).one()).block();
        assertThat(timeout).as("the transaction's own timeout wins over the lane's").isEqualTo("250ms");
        StepVerifier.create(db.inTransaction(LANE, TxOptions.defaults().withStatementTimeout(Duration.ofMillis(200)),
                        s -> s.sql("SELECT pg_sleep(5)").rowsUpdated()))
                .expectError(QueryTimeoutException.class).verify(Duration.ofSeconds(5));
    }

    @Test
    void aUnitOutsideATransactionStillRunsInOneSoAFailureUndoesItsEarlierStatements() {
        StepVerifier.create(db.withConnection(LANE, s -> s.sql("INSERT INTO item VALUES (1, 'a')").rowsUpdated()
                        .then(s.sql("INSERT INTO item VALUES (1, 'dup')").rowsUpdated())))
                .expectError(io.sluice.IntegrityViolationException.class).verify();
        assertThat(one(LANE, "SELECT count(*)::text FROM item")).isEqualTo("0");
        assertThat(db.withConnection(LANE, s -> s.sql("INSERT INTO item VALUES (1, 'a')").rowsUpdated()).block()).isEqualTo(1);
        assertThat(one(BG, "SELECT name FROM item WHERE id = 1")).isEqualTo("a");
    }

    @Test
    void aLaneWithNothingToSetRunsItsStatementsInAutocommitWithItsApplicationNameFromThePooler() {
        String item = t.schema() + ".item";
        StepVerifier.create(db.withConnection(PLAIN, s -> s.sql("INSERT INTO " + item + " VALUES (1, 'a')").rowsUpdated()
                        .then(s.sql("INSERT INTO " + item + " VALUES (1, 'dup')").rowsUpdated())))
                .expectError(io.sluice.IntegrityViolationException.class).verify();
        assertThat(one(LANE, "SELECT count(*)::text FROM item")).as("no transaction: the first insert stays").isEqualTo("1");
        assertThat(one(PLAIN, "SELECT current_setting('application_name')")).isEqualTo(t.appName(PLAIN));
        assertThat(db.inTransaction(PLAIN, TxOptions.readOnly(), s -> s.sql("SHOW transaction_read_only")
                .map(RowMapper.column(String.class)).one()).block()).isEqualTo("on");
    }

    @Test
    void aReadOnlyLaneWithNothingElseToSetIsStillReadOnlyInEveryUnit() {
        Lane reports = Lane.of("reports");
        try (Lanes ro = Lanes.builder(bouncer.server().build())
                .lane(LaneConfig.builder(reports).readOnly(true).isolation(Isolation.REPEATABLE_READ).maxSize(1).build())
                .build().start().block()) {
            StepVerifier.create(ro.database().sql(reports, "INSERT INTO " + t.schema() + ".item VALUES (7, 'x')").rowsUpdated())
                    .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(DatabaseException.class).hasMessageContaining("read-only"))
                    .verify();
            assertThat(ro.database().sql(reports, "SELECT current_setting('transaction_isolation')").map(RowMapper.column(String.class))
                    .one().block()).isEqualTo("repeatable read");
        }
    }

    @Test
    void aDeadlineCancelsTheStatementThroughThePooler() {
        StepVerifier.create(db.sql(LANE, "SELECT pg_sleep(20) /* sluice-pooler-deadline */").rowsUpdated()
                        .contextWrite(Deadline.in(Duration.ofMillis(300)).context()))
                .verifyErrorSatisfies(e -> assertThat(e).isInstanceOfAny(DeadlineExceededException.class, QueryTimeoutException.class));
        assertThat(Await.until(Duration.ofSeconds(5), () -> running("sluice-pooler-deadline") == 0)).isTrue();
        assertThat(one(LANE, "SELECT 'still works'")).isEqualTo("still works");
    }

    @Test
    void aCancelledQueryIsStoppedOnTheServerByACancelRequestThroughThePooler() {
        Disposable d = db.sql(BG, "SELECT pg_sleep(30) /* sluice-pooler-cancel */").rowsUpdated().subscribe(x -> { }, e -> { });
        assertThat(Await.until(Duration.ofSeconds(5), () -> running("sluice-pooler-cancel") == 1)).isTrue();
        d.dispose();
        assertThat(Await.until(Duration.ofSeconds(5), () -> running("sluice-pooler-cancel") == 0))
                .as("the cancel request reached the server through PgBouncer").isTrue();
        assertThat(Await.noneLentOut(lanes, BG)).isTrue();
        assertThat(one(BG, "SELECT 'next'")).isEqualTo("next");
    }

    @Test
    void parameterisedStatementsUseUnnamedStatementsSoAnyServerConnectionCanRunThem() {
        // named statements cached per client connection would meet server connections that never prepared them
        List<Integer> ids = Flux.range(1, 60)
                .flatMap(i -> db.sql(i % 3 == 0 ? LANE : i % 3 == 1 ? BG : PLAIN, "SELECT $1::int + 0").bind(1, i)
                        .map(RowMapper.column(Integer.class)).one(), 5)
                .collectList().block(Duration.ofSeconds(30));
        assertThat(ids).hasSize(60);
    }

    @Test
    void batchesRunThroughThePooler() {
        io.sluice.BatchResult r = db.batch(LANE).add("INSERT INTO item (id) VALUES ($1)", 1).add("INSERT INTO item (id) VALUES ($1)", 2)
                .add("UPDATE item SET name = 'x'").execute().block();
        assertThat(r.size()).isEqualTo(3);
        assertThat(one(LANE, "SELECT count(*)::text FROM item WHERE name = 'x'")).isEqualTo("2");
        StepVerifier.create(db.batch(LANE).add("INSERT INTO item (id) VALUES ($1)", 3).add("INSERT INTO item (id) VALUES ($1)", 1).execute())
                .expectError().verify();
        assertThat(one(LANE, "SELECT count(*)::text FROM item")).isEqualTo("2");
    }

    @Test
    void aBorrowedConnectionRunsWithTheBorrowersSettingsAndNothingIsSetOnTheLendersSession() {
        // the interactive lane's 3 connections busy: a fourth unit borrows one of the background lane's
        List<Disposable> busy = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            busy.add(db.sql(LANE, "SELECT pg_sleep(2)").rowsUpdated().subscribe(x -> { }, e -> { }));
        }
        assertThat(Await.until(Duration.ofSeconds(5), () -> lanes.snapshot(LANE).acquired() == 3)).isTrue();
        assertThat(one(LANE, "SELECT current_setting('application_name') || ' ' || current_setting('statement_timeout')"))
                .isEqualTo(t.appName(LANE) + " 4321ms");
        busy.forEach(Disposable::dispose);
        assertThat(one(BG, "SHOW statement_timeout")).isEqualTo("0");
    }

    @Test
    void sessionFeaturesAreRefusedWithAClearErrorAndTransactionScopedOnesWork() {
        for (String sql : List.of("SELECT pg_advisory_lock(42)", "select pg_try_advisory_lock(1, 2)", "LISTEN jobs",
                "DECLARE c CURSOR WITH HOLD FOR SELECT 1", "SET search_path = public", "RESET statement_timeout",
                "PREPARE p AS SELECT 1", "DISCARD ALL")) {
            StepVerifier.create(db.sql(LANE, sql).rowsUpdated())
                    .expectErrorSatisfies(e -> assertThat(e).as(sql).isInstanceOf(PoolerUnsupportedException.class)
                            .hasMessageContaining("[lane interactive]").hasMessageContaining("pooler in transaction mode"))
                    .verify();
        }
        StepVerifier.create(db.sql(LANE, "SELECT pg_advisory_lock(42)").rowsUpdated())
                .expectErrorSatisfies(e -> assertThat(e).hasMessageContaining("pg_advisory_xact_lock")).verify();
        assertThat(db.sql(LANE, "SELECT pg_advisory_xact_lock(42)").rowsUpdated().block()).isEqualTo(1);
        assertThat(db.withConnection(LANE, s -> s.sql("SET LOCAL work_mem = '8MB'").rowsUpdated()
                .then(s.sql("SHOW work_mem").map(RowMapper.column(String.class)).one())).block()).isEqualTo("8MB");
        assertThat(one(LANE, "SELECT 1::text")).isEqualTo("1");
        assertThat(io.sluice.testing.Await.noneLentOut(lanes, LANE)).as("connections still lent out (handed back within 5 s)").isTrue();
    }

    @Test
    void aLaneThatNeedsASessionIsRefusedWhenTheLanesAreBuilt() {
        assertThatThrownBy(() -> Lanes.builder(bouncer.server().build())
                .lane(LaneConfig.builder(LANE).sessionInit("SET work_mem = '64MB'").build()).build())
                .isInstanceOf(io.sluice.ConfigurationException.class).hasMessageContaining("sessionInit")
                .hasMessageContaining("pooler=transaction");
    }

    @Test
    void aPoolerNotDeclaredAsOneIsNamedInTheConnectError() {
        // without pooler=transaction the lane's search_path goes as a startup parameter, which PgBouncer refuses
        try (Lanes naive = Lanes.builder(bouncer.direct().build()).checkBudget(false)
                .lane(t.lane(LANE).maxSize(1).acquireTimeout(Duration.ofSeconds(2)).build()).build()) {
            StepVerifier.create(naive.database().sql(LANE, "SELECT 1").rowsUpdated())
                    .expectErrorSatisfies(e -> assertThat(e.toString() + " " + e.getCause())
                            .contains("unsupported startup parameter").contains("pooler=transaction"))
                    .verify(Duration.ofSeconds(10));
        }
    }

    @Test
    void theServerConfigNamesThePoolerAndParsesItFromAUrl() {
        assertThat(ServerConfig.fromUrl("postgresql://u@h:6432/db?pooler=transaction").build().pooler()).isEqualTo(PoolerMode.TRANSACTION);
        assertThat(ServerConfig.fromUrl("postgresql://u@h:6432/db?pooler=session").build().pooler()).isEqualTo(PoolerMode.NONE);
        assertThat(bouncer.server().build().describe()).contains("through a pooler in transaction mode");
        assertThatThrownBy(() -> ServerConfig.fromUrl("postgresql://u@h/db?pooler=statement"))
                .isInstanceOf(io.sluice.ConfigurationException.class).hasMessageContaining("pooler 'statement'");
    }

    private static int running(String marker) {
        return t.pg().queryOne("SELECT count(*)::int FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%" + marker
                + "%' AND query NOT LIKE '%pg_stat_activity%'", r -> r.get(0, Integer.class));
    }

    static Mono<Integer> read(Database db, Lane lane) {
        return db.sql(lane, "SELECT 1").map(RowMapper.column(Integer.class)).one();
    }
}
