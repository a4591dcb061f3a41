package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.BadSqlException;
import io.sluice.BindException;
import io.sluice.Database;
import io.sluice.IntegrityViolationException;
import io.sluice.Lane;
import io.sluice.ResultSizeException;
import io.sluice.RowMapper;
import io.sluice.SluiceException;
import io.sluice.TxOptions;
import io.sluice.testing.TestLanes;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** Statements, binds, row mapping, update counts, generated keys, streaming and the errors of each. */
class QueryApiTest {

    private static final Lane LANE = Lane.INTERACTIVE;
    private static TestLanes t;
    private static Database db;

    record Recipe(long id, String name, Integer minutes) {
        static Recipe map(io.r2dbc.spi.Readable r) {
            return new Recipe(r.get("id", Long.class), r.get("name", String.class), r.get("minutes", Integer.class));
        }
    }

    @BeforeAll
    static void start() {
        t = new TestLanes("query");
        db = t.start(t.lane(LANE).maxSize(2).fetchSize(50).build()).database();
        t.pg().execute("CREATE TABLE " + t.schema() + ".recipe (id bigserial PRIMARY KEY, name text UNIQUE NOT NULL, minutes int)");
        t.pg().execute("CREATE TABLE " + t.schema() + ".numbers AS SELECT g AS n FROM generate_series(1, 300000) g");
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    @Test
    void bindsPositionalAndNamedParametersAndMapsRows() {
        Long id = db.sql(LANE, "INSERT INTO recipe (name, minutes) VALUES ($1, $2)").bind(1, "soup").bind(2, 20)
                .returningGeneratedValues("id").map(r -> r.get("id", Long.class)).one().block();
        assertThat(id).isPositive();
        Recipe soup = db.sql(LANE, "SELECT id, name, minutes FROM recipe WHERE id = :id AND name = :name OR id = :id")
                .bind("id", id).bind("name", "soup").map(Recipe::map).one().block();
        assertThat(soup).isEqualTo(new Recipe(id, "soup", 20));
    }

    @Test
    void bindsNullWithAType() {
        long n = db.sql(LANE, "INSERT INTO recipe (name, minutes) VALUES (:name, :minutes)")
                .bind("name", "bread").bindNull("minutes", Integer.class).rowsUpdated().block();
        assertThat(n).isEqualTo(1);
        assertThat(db.sql(LANE, "SELECT count(*) FROM recipe WHERE name = 'bread' AND minutes IS NULL")
                .map(RowMapper.column(Long.class)).one().block()).isEqualTo(1L);
    }

    @Test
    void bindsAValueThatMayBeNullWithItsType() {
        for (Integer minutes : new Integer[] {null, 45}) {
            db.sql(LANE, "INSERT INTO recipe (name, minutes) VALUES ($1, $2)")
                    .bind(1, "stew-" + minutes, String.class).bind(2, minutes, Integer.class).rowsUpdated().block();
        }
        assertThat(db.sql(LANE, "SELECT count(*) FILTER (WHERE minutes IS NULL) || '/' || count(*) FILTER (WHERE minutes = 45) "
                        + "FROM recipe WHERE name LIKE :name").bind("name", "stew-%", String.class)
                .map(RowMapper.column(String.class)).one().block()).isEqualTo("1/1");
    }

    @Test
    void countsUpdatedRows() {
        db.sql(LANE, "INSERT INTO recipe (name, minutes) SELECT 'bulk' || g, g FROM generate_series(1, 5) g").rowsUpdated().block();
        StepVerifier.create(db.sql(LANE, "UPDATE recipe SET minutes = minutes + 1 WHERE name LIKE 'bulk%'").rowsUpdated())
                .expectNext(5L).verifyComplete();
    }

    @Test
    void optionalIsEmptyForNoRowAndOneFailsForNoneOrMany() {
        StepVerifier.create(db.sql(LANE, "SELECT n FROM numbers WHERE n < 0").map(RowMapper.column(Integer.class)).optional())
                .verifyComplete();
        StepVerifier.create(db.sql(LANE, "SELECT n FROM numbers WHERE n < 0").map(RowMapper.column(Integer.class)).one())
                .verifyErrorSatisfies(e -> assertThat(e).isInstanceOf(ResultSizeException.class)
                        .hasMessageContaining("expected exactly one row").hasMessageContaining("returned 0 rows"));
        StepVerifier.create(db.sql(LANE, "SELECT n FROM numbers").map(RowMapper.column(Integer.class)).optional())
                .verifyErrorSatisfies(e -> assertThat(e).isInstanceOf(ResultSizeException.class)
                        .hasMessageContaining("more than 1"));
    }

    @Test
    void streamsAllRowsInOrder() {
        List<Integer> rows = db.sql(LANE, "SELECT n FROM numbers WHERE n <= 1000 ORDER BY n")
                .map(RowMapper.column(Integer.class)).all().collectList().block();
        assertThat(rows).hasSize(1000).startsWith(1, 2, 3).endsWith(1000);
    }

    @Test
    void slowSubscriberHoldsTheQueryOpenInsteadOfBufferingTheResult() {
        AtomicInteger mapped = new AtomicInteger();
        BaseSubscriber<Integer> slow = new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(Subscription s) {
                s.request(10);
            }
        };
        db.sql(LANE, "SELECT n FROM numbers ORDER BY n").map(r -> {
            mapped.incrementAndGet();
            return r.get(0, Integer.class);
        }).all().subscribe(slow);
        Mono.delay(Duration.ofMillis(700)).block();
        // 300,000 rows would be read in far less than 700 ms; with backpressure the server holds the rest
        assertThat(mapped.get()).isLessThanOrEqualTo(10 + 50);
        assertThat(t.pg().busyBackends(t.appName(LANE))).as("query still open on the server").isEqualTo(1);
        slow.request(100);
        Mono.delay(Duration.ofMillis(200)).block();
        assertThat(mapped.get()).isBetween(110, 110 + 50);
        slow.dispose();
    }

    @Test
    void nullBindIsRejectedWithAHint() {
        assertThatThrownBy(() -> db.sql(LANE, "SELECT :x").bind("x", null).rowsUpdated().block())
                .isInstanceOf(BindException.class).hasMessageContaining("bindNull(\"x\"");
        assertThatThrownBy(() -> db.sql(LANE, "SELECT $1").bind(1, null).rowsUpdated().block())
                .isInstanceOf(BindException.class).hasMessageContaining("bindNull(1");
    }

    @Test
    void unknownAndMissingParametersAreNamed() {
        assertThatThrownBy(() -> db.sql(LANE, "SELECT :a, :b").bind("c", 1).rowsUpdated().block())
                .isInstanceOf(BindException.class).hasMessageContaining(":c").hasMessageContaining(":a, :b");
        assertThatThrownBy(() -> db.sql(LANE, "SELECT $1").bind(2, 1).rowsUpdated().block())
                .isInstanceOf(BindException.class).hasMessageContaining("$2");
        StepVerifier.create(db.sql(LANE, "SELECT :a::int + :b::int").bind("a", 1).map(RowMapper.column(Integer.class)).one())
                .verifyErrorSatisfies(e -> assertThat(e).isInstanceOf(BindException.class).hasMessageContaining(":b was not bound"));
    }

    @Test
    void badSqlIsTypedWithSqlStateLaneAndStatement() {
        StepVerifier.create(db.sql(LANE, "SELEC 1").rowsUpdated())
                .verifyErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(BadSqlException.class).hasMessageContaining("[lane interactive]")
                            .hasMessageContaining("SELEC 1").hasMessageContaining("42601");
                    assertThat(((SluiceException) e).sqlState()).isEqualTo("42601");
                    assertThat(e.getCause()).isNotNull();
                });
    }

    @Test
    void integrityViolationNeverShowsTheBoundValue() {
        db.sql(LANE, "INSERT INTO recipe (name) VALUES ($1)").bind(1, "secret-name-1").rowsUpdated().block();
        StepVerifier.create(db.sql(LANE, "INSERT INTO recipe (name) VALUES ($1)").bind(1, "secret-name-1").rowsUpdated())
                .verifyErrorSatisfies(e -> assertThat(e).isInstanceOfSatisfying(IntegrityViolationException.class,
                                v -> assertThat(v.constraint()).as("the constraint the server named").isEqualTo("recipe_name_key"))
                        .hasMessageContaining("23505").hasMessageNotContaining("secret-name-1"));
        StepVerifier.create(db.sql(LANE, "INSERT INTO recipe (name) VALUES (NULL)").rowsUpdated())
                .verifyErrorSatisfies(e -> assertThat(e).isInstanceOfSatisfying(IntegrityViolationException.class,
                        v -> assertThat(v.constraint()).as("NOT NULL names no constraint").isNull()));
        StepVerifier.create(db.sql(LANE, "SELECT $1::int").bind(1, "secret-not-a-number").rowsUpdated())
                .verifyErrorSatisfies(e -> assertThat(e.getMessage()).contains("22P02").doesNotContain("secret-not-a-number"));
    }

    @Test
    void mapperReturningNullIsAnError() {
        StepVerifier.create(db.sql(LANE, "SELECT 1").map(r -> null).one())
                .verifyErrorSatisfies(e -> assertThat(e).isInstanceOf(NullPointerException.class).hasMessageContaining("RowMapper returned null"));
    }

    @Test
    void queryRunsAgainOnEachSubscription() {
        Mono<Long> count = db.sql(LANE, "SELECT count(*) FROM recipe WHERE name = $1").bind(1, "again")
                .map(RowMapper.column(Long.class)).one();
        assertThat(count.block()).isZero();
        db.sql(LANE, "INSERT INTO recipe (name) VALUES ('again')").rowsUpdated().block();
        assertThat(count.block()).isEqualTo(1L);
    }

    @Test
    void sessionQueriesShareOneConnection() {
        List<Integer> pids = db.inTransactionMany(LANE, TxOptions.readOnly(), s ->
                s.sql("SELECT pg_backend_pid()").map(RowMapper.column(Integer.class)).one()
                        .concatWith(s.sql("SELECT pg_backend_pid()").map(RowMapper.column(Integer.class)).one()))
                .collectList().block();
        assertThat(pids).hasSize(2);
        assertThat(pids.get(0)).isEqualTo(pids.get(1));
    }
}
