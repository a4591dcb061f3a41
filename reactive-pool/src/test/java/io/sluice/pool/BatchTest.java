package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.Batch;
import io.sluice.BatchException;
import io.sluice.BatchResult;
import io.sluice.BindException;
import io.sluice.Database;
import io.sluice.IntegrityViolationException;
import io.sluice.KeyedRows;
import io.sluice.Lane;
import io.sluice.ResultSizeException;
import io.sluice.RowMapper;
import io.sluice.testing.TestLanes;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** Batches, savepoints, key loads and bulk inserts (multi-row and COPY) against the real server. */
class BatchTest {

    private static final Lane LANE = Lane.BACKGROUND;
    private static TestLanes t;
    private static Lanes lanes;
    private static Database db;

    @BeforeAll
    static void start() {
        t = new TestLanes("batch");
        lanes = t.start(t.lane(LANE).maxSize(2).retry(RetryPolicy.none()).build());
        db = lanes.database();
        t.pg().execute("CREATE TABLE " + t.schema() + ".item (id int PRIMARY KEY, name text, born date, data bytea, ok boolean)");
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    @BeforeEach
    void empty() {
        t.pg().execute("TRUNCATE " + t.schema() + ".item");
    }

    private static long count() {
        return db.sql(LANE, "SELECT count(*) FROM item").map(RowMapper.column(Long.class)).one().block();
    }

    @Test
    void aBatchRunsEveryStatementAndReportsEachOnesRows() {
        Batch b = db.batch(LANE);
        for (int i = 1; i <= 5; i++) {
            b.add("INSERT INTO item (id, name) VALUES ($1, $2)", i, "n" + i);
        }
        b.add("UPDATE item SET name = 'x' WHERE id <= 3").add("DELETE FROM item WHERE id = 5").add("INSERT INTO item (id, name) VALUES ($1, $2)", 9, Batch.nullOf(String.class));
        StepVerifier.create(b.execute()).assertNext(r -> {
            assertThat(r.rowsUpdated()).containsExactly(1, 1, 1, 1, 1, 3, 1, 1);
            assertThat(r.total()).isEqualTo(10);
        }).verifyComplete();
        assertThat(count()).isEqualTo(5);
        assertThat(db.sql(LANE, "SELECT name FROM item WHERE id = 9").map(row -> String.valueOf(row.get(0, String.class))).one().block())
                .isEqualTo("null");
    }

    @Test
    void aFailingStatementKeepsNothingAndNamesItsPosition() {
        Batch b = db.batch(LANE);
        for (int i = 1; i <= 10; i++) {
            b.add("INSERT INTO item (id) VALUES ($1)", i == 7 ? 3 : i);       // statement 6 repeats id 3
        }
        StepVerifier.create(b.execute()).expectErrorSatisfies(e -> {
            assertThat(e).isInstanceOf(BatchException.class);
            BatchException be = (BatchException) e;
            assertThat(be.index()).isEqualTo(6);
            assertThat(be.size()).isEqualTo(10);
            assertThat(be.getCause()).isInstanceOf(IntegrityViolationException.class);
            assertThat(be.kind()).isEqualTo(io.sluice.FailureKind.INTEGRITY_VIOLATION);
            assertThat(be.getMessage()).contains("statement 6 of the batch of 10");
        }).verify();
        assertThat(count()).isZero();
    }

    @Test
    void plainStatementsGoAsOneMessageAndAFailureAmongThemRollsAllBack() {
        StepVerifier.create(db.batch(LANE).add("INSERT INTO item (id) VALUES (1)").add("INSERT INTO item (id) VALUES (2)")
                .add("INSERT INTO item (id) VALUES (1)").execute())
                .expectErrorSatisfies(e -> assertThat(((BatchException) e).index()).isEqualTo(2)).verify();
        assertThat(count()).isZero();
    }

    @Test
    void mistakesFailAtExecuteWithTheStatementNamed() {
        StepVerifier.create(db.batch(LANE).add("INSERT INTO item (id) VALUES ($1)", 1).add("INSERT INTO item (id, name) VALUES ($1, $2)", 2).execute())
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(BindException.class).hasMessageContaining("statement 1 of the batch has 2 placeholders but 1 value was given"))
                .verify();
        StepVerifier.create(db.batch(LANE).add("INSERT INTO item (id, name) VALUES ($1, $2)", 1, null).execute())
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(BindException.class).hasMessageContaining("Batch.nullOf"))
                .verify();
        StepVerifier.create(db.batch(LANE).add("INSERT INTO item (id) VALUES (:id)", 1).execute())
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(BindException.class).hasMessageContaining("by position"))
                .verify();
        StepVerifier.create(db.batch(LANE).execute()).assertNext(r -> assertThat(r.size()).isZero()).verifyComplete();
        StepVerifier.create(db.batch(LANE).add("INSERT INTO nosuchtable VALUES ($1)", 1).execute())
                .expectErrorSatisfies(e -> assertThat(e.getCause()).isInstanceOf(io.sluice.BadSqlException.class)).verify();
        assertThat(count()).isZero();
    }

    @Test
    void aBatchInsideATransactionIsPartOfIt() {
        StepVerifier.create(db.inTransaction(LANE, s -> s.batch().add("INSERT INTO item (id) VALUES ($1)", 1)
                        .add("INSERT INTO item (id) VALUES ($1)", 2).execute()
                        .then(Mono.error(new IllegalStateException("the caller's own failure")))))
                .verifyErrorMessage("the caller's own failure");
        assertThat(count()).isZero();
        // outside a transaction, a session's batch gets one of its own
        StepVerifier.create(db.withConnection(LANE, s -> s.batch().add("INSERT INTO item (id) VALUES ($1)", 1)
                .add("INSERT INTO item (id) VALUES ($1)", 1).execute())).expectError(BatchException.class).verify();
        assertThat(count()).isZero();
        StepVerifier.create(db.batch(LANE, "INSERT INTO item (id, name) VALUES ($1, $2)", List.of(new Object[]{1, "a"}, new Object[]{2, "b"})))
                .expectNext(new BatchResult(new long[]{1, 1})).verifyComplete();
    }

    @Test
    void aSavepointUndoesOnlyItsOwnWorkAndTheTransactionGoesOn() {
        StepVerifier.create(db.inTransaction(LANE, s -> s.sql("INSERT INTO item (id) VALUES (1)").rowsUpdated()
                        .then(s.savepoint(sp -> sp.sql("INSERT INTO item (id) VALUES (2)").rowsUpdated()
                                .then(sp.sql("INSERT INTO item (id) VALUES (1)").rowsUpdated()))   // fails: duplicate
                                .onErrorResume(IntegrityViolationException.class, e -> Mono.just(-1L)))
                        .flatMap(x -> s.savepoint(sp -> sp.sql("INSERT INTO item (id) VALUES (3)").rowsUpdated()).thenReturn(x))))
                .expectNext(-1L).verifyComplete();
        assertThat(db.sql(LANE, "SELECT id FROM item ORDER BY id").map(RowMapper.column(Integer.class)).all().collectList().block())
                .containsExactly(1, 3);
        StepVerifier.create(db.withConnection(LANE, s -> s.savepoint(sp -> Mono.just(1))))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class).hasMessageContaining("inside db.inTransaction"))
                .verify();
    }

    @Test
    void keyLoadsKeepTheCallersOrderAndReportMissingKeys() {
        db.insertRows(LANE, "item", List.of("id", "name"), Flux.range(1, 20).map(i -> List.of(i, "n" + i))).block();
        StepVerifier.create(db.byKeys(LANE, "SELECT id, name FROM item WHERE id = ANY($1)", List.of(7, 3, 99, 7, 12, -1),
                        row -> new Object[]{row.get("id", Integer.class), row.get("name", String.class)}, r -> (Integer) r[0]))
                .assertNext(k -> {
                    assertThat(k.keys()).containsExactly(7, 3, 99, 12, -1);
                    assertThat(k.found().keySet()).containsExactly(7, 3, 12);
                    assertThat(k.values()).extracting(r -> r[1]).containsExactly("n7", "n3", "n12");
                    assertThat(k.missing()).containsExactly(99, -1);
                    assertThat(k.get(3)).isPresent();
                }).verifyComplete();
        StepVerifier.create(db.byKeys(LANE, "SELECT id FROM item WHERE id = ANY($1)", List.<Integer>of(), RowMapper.column(Integer.class), r -> r))
                .assertNext(k -> assertThat(k.found()).isEmpty()).verifyComplete();
        StepVerifier.create(db.byKeys(LANE, "SELECT 1 AS id FROM item WHERE id = ANY($1)", List.of(1, 2), RowMapper.column(Integer.class), r -> r))
                .expectError(ResultSizeException.class).verify();
        List<Integer> withNull = new ArrayList<>(List.of(1));
        withNull.add(null);
        StepVerifier.create(db.byKeys(LANE, "SELECT id FROM item WHERE id = ANY($1)", withNull, RowMapper.column(Integer.class), r -> r))
                .expectError(BindException.class).verify();
    }

    @Test
    void multiRowInsertsStreamManyStatementsAndKeepAllOrNothing() {
        StepVerifier.create(db.insertRows(LANE, "item", List.of("id", "name", "born", "ok"),
                        Flux.range(1, 2500).map(i -> List.of(i, "n" + i, LocalDate.of(2020, 1, 1).plusDays(i), i % 2 == 0))))
                .expectNext(2500L).verifyComplete();
        assertThat(count()).isEqualTo(2500);
        StepVerifier.create(db.insertRows(LANE, "item", List.of("id"), Flux.range(2501, 2000).map(i -> List.of(i == 4000 ? 1 : i))))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(BatchException.class).hasMessageContaining("rows 1000 to 1999")
                        .hasCauseInstanceOf(IntegrityViolationException.class))
                .verify();
        assertThat(count()).isEqualTo(2500);
        StepVerifier.create(db.insertRows(LANE, "item; DROP TABLE item", List.of("id"), Flux.just(List.of(1))))
                .expectError(IllegalArgumentException.class).verify();
    }

    @Test
    void copyStreamsAMillionRowsWithBoundedMemory() {
        AtomicLong requested = new AtomicLong();
        AtomicLong emitted = new AtomicLong();
        AtomicLong maxAhead = new AtomicLong();
        Flux<List<?>> rows = Flux.range(1, 1_000_000).<List<?>>map(i -> List.of(i, "name\t" + i + "\\ \n"))
                .doOnRequest(n -> requested.addAndGet(n))
                .doOnNext(x -> maxAhead.accumulateAndGet(emitted.incrementAndGet(), Math::max));
        StepVerifier.create(db.copyIn(LANE, "item", List.of("id", "name"), rows)).expectNext(1_000_000L)
                .verifyComplete();
        assertThat(count()).isEqualTo(1_000_000);
        assertThat(db.sql(LANE, "SELECT name FROM item WHERE id = 42").map(RowMapper.column(String.class)).one().block())
                .isEqualTo("name\t42\\ \n");
        // backpressure: the source was asked for rows in bounded amounts, never for all of them at once
        assertThat(requested.get()).isLessThan(Long.MAX_VALUE / 2);
    }

    @Test
    void copyWritesEveryKindOfValueAndFailsWhole() {
        StepVerifier.create(db.copyIn(LANE, "item", List.of("id", "name", "born", "data", "ok"), Flux.just(
                        java.util.Arrays.asList(1, "a", LocalDate.of(2024, 2, 29), new byte[]{1, (byte) 0xff}, true),
                        java.util.Arrays.asList(2, null, null, null, false))))
                .expectNext(2L).verifyComplete();
        assertThat(db.sql(LANE, "SELECT born::text || encode(data, 'hex') || ok::text FROM item WHERE id = 1").map(RowMapper.column(String.class)).one().block())
                .isEqualTo("2024-02-2901fftrue");
        StepVerifier.create(db.copyIn(LANE, "item", List.of("id"), Flux.just(List.of(3), List.of(1))))
                .expectError(IntegrityViolationException.class).verify();
        StepVerifier.create(db.copyIn(LANE, "item", List.of("id", "name"), Flux.just(List.of(5))))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(BindException.class).hasMessageContaining("row 0 has 1 value but 2 columns"))
                .verify();
        assertThat(count()).isEqualTo(2);
        assertThat(io.sluice.testing.Await.noneLentOut(lanes, LANE)).as("connections still lent out (handed back within 5 s)").isTrue();
    }
}
