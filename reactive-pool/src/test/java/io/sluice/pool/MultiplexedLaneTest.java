package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.BadSqlException;
import io.sluice.ConfigurationException;
import io.sluice.Database;
import io.sluice.IntegrityViolationException;
import io.sluice.Lane;
import io.sluice.RowMapper;
import io.sluice.TxOptions;
import io.sluice.testing.TestLanes;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** A multiplexed lane: single autocommit statements share a few connections, each result reaches its own caller. */
class MultiplexedLaneTest {

    private static final Lane LANE = Lane.INTERACTIVE;
    private static TestLanes t;
    private static Lanes lanes;
    private static Database db;

    @BeforeAll
    static void start() {
        t = new TestLanes("mux");
        lanes = t.start(t.lane(LANE).maxSize(2).multiplexed(1, 64).retry(RetryPolicy.none()).build());
        db = lanes.database();
        db.sql(LANE, "CREATE TABLE item (id bigint PRIMARY KEY, name text NOT NULL, price numeric, made date, tag uuid)")
                .rowsUpdated().block();
        db.sql(LANE, "INSERT INTO item SELECT g, 'item ' || g, g * 1.5, DATE '2024-01-01' + g, NULL FROM generate_series(1, 500) g")
                .rowsUpdated().block();
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    @Test
    void manyConcurrentReadsEachGetTheirOwnRowOverOneSharedConnection() {
        List<String> names = Flux.range(1, 500)
                .flatMap(i -> db.sql(LANE, "SELECT name FROM item WHERE id = $1").bind(1, (long) i)
                        .map(RowMapper.column(String.class)).one().map(n -> i + "=" + n), 64)
                .collectList().block(Duration.ofSeconds(30));
        assertThat(names).hasSize(500).allSatisfy(s -> {
            String[] p = s.split("=");
            assertThat(p[1]).isEqualTo("item " + p[0]);
        });
        assertThat(io.sluice.testing.Await.noneLentOut(lanes, LANE)).as("connections still lent out (handed back within 5 s)").isTrue();
    }

    /**
     * A statement's slot is free before its caller hears the answer: the next statement admitted when it ends
     * takes that connection, not a slot behind a long statement on the other one.
     */
    @Test
    void theNextStatementTakesTheConnectionTheLastOneFreedNotOneBehindALongStatement() {
        TestLanes own = new TestLanes("muxfree");
        try {
            Database d = own.start(own.lane(LANE).maxSize(1).multiplexed(2, 8).admissionLimit(2)
                    .retry(RetryPolicy.none()).build()).database();
            // both shared connections open
            Flux.range(0, 2).flatMap(i -> d.sql(LANE, "SELECT 1 FROM pg_sleep(0.2)").rowsUpdated(), 2).blockLast(Duration.ofSeconds(30));
            Mono<Integer> longOne = d.sql(LANE, "SELECT pg_backend_pid() FROM pg_sleep(1.5)").map(RowMapper.column(Integer.class))
                    .one().cache();
            longOne.subscribe();
            List<Integer> next = Flux.range(0, 10)
                    .concatMap(i -> d.sql(LANE, "SELECT pg_backend_pid()").map(RowMapper.column(Integer.class)).one())
                    .collectList().block(Duration.ofSeconds(30));
            Integer busy = longOne.block(Duration.ofSeconds(30));
            assertThat(next).as("statements run one after another while another holds the other connection").doesNotContain(busy);
        } finally {
            own.close();
        }
    }

    @Test
    void readsValuesOfCommonTypesAndBindsThem() {
        Object[] row = db.sql(LANE, "SELECT id, name, price, made FROM item WHERE id = :id AND made = :made AND name = :name")
                .bind("id", 4L).bind("made", LocalDate.of(2024, 1, 5)).bind("name", "item 4")
                .map(r -> new Object[]{r.get("id", Long.class), r.get("name", String.class), r.get("price", BigDecimal.class),
                        r.get(3, LocalDate.class)})
                .one().block();
        assertThat(row).containsExactly(4L, "item 4", new BigDecimal("6.0"), LocalDate.of(2024, 1, 5));
        assertThat(db.sql(LANE, "SELECT tag FROM item WHERE id = $1").bind(1, 4L).map(r -> String.valueOf(r.get(0, UUID.class)))
                .one().block()).isEqualTo("null");
        assertThat(db.sql(LANE, "SELECT $1::int + 1").bind(1, 41).map(RowMapper.column(Integer.class)).one().block()).isEqualTo(42);
        assertThat(db.sql(LANE, "SELECT count(*) FROM item WHERE tag IS NOT DISTINCT FROM $1").bind(1, null, UUID.class)
                .map(RowMapper.column(Long.class)).one().block()).isEqualTo(500L);
        assertThat(db.sql(LANE, "SELECT name FROM item WHERE id = $1").bind(1, 100_000L).map(RowMapper.column(String.class))
                .optional().blockOptional()).isEmpty();
    }

    @Test
    void aFailingStatementFailsOnlyItselfWithItsTypedError() {
        List<String> outcomes = Flux.range(0, 60)
                .flatMap(i -> (i % 3 == 0 ? db.sql(LANE, "SELECT nope FROM item WHERE id = $1").bind(1, (long) i + 1)
                        : i % 3 == 1 ? db.sql(LANE, "INSERT INTO item (id, name) VALUES ($1, 'dup')").bind(1, 1L)
                        : db.sql(LANE, "SELECT name FROM item WHERE id = $1").bind(1, (long) i + 1))
                        .map(RowMapper.column(String.class)).optional().map(n -> i + ":" + n)
                        .onErrorResume(e -> Mono.just(i + ":" + e.getClass().getSimpleName())), 60)
                .collectList().block(Duration.ofSeconds(30));
        assertThat(outcomes).hasSize(60).allSatisfy(o -> {
            int i = Integer.parseInt(o.substring(0, o.indexOf(':')));
            String v = o.substring(o.indexOf(':') + 1);
            assertThat(v).isEqualTo(i % 3 == 0 ? BadSqlException.class.getSimpleName()
                    : i % 3 == 1 ? IntegrityViolationException.class.getSimpleName() : "item " + (i + 1));
        });
    }

    @Test
    void transactionsAndStreamsTakeAConnectionOfTheirOwn() {
        long n = db.inTransaction(LANE, TxOptions.readWrite(), s -> s.sql("UPDATE item SET name = name WHERE id = 1").rowsUpdated()).block();
        assertThat(n).isEqualTo(1);
        assertThat(db.sql(LANE, "SELECT id FROM item ORDER BY id").map(RowMapper.column(Long.class)).all().count().block()).isEqualTo(500);
        assertThat(lanes.snapshot(LANE).allocated()).isPositive();
    }

    @Test
    void anIdempotentStreamWithinOneFetchSharesAndALargerOneRunsAgainOnAConnectionOfItsOwn() {
        List<Long> few = db.sql(LANE, "SELECT id FROM item WHERE id <= $1 ORDER BY id").bind(1, 5L).idempotent().fetchSize(10)
                .map(RowMapper.column(Long.class)).all().collectList().block();
        assertThat(few).containsExactly(1L, 2L, 3L, 4L, 5L);
        List<Long> many = db.sql(LANE, "SELECT id FROM item WHERE id <= $1 ORDER BY id").bind(1, 300L).idempotent().fetchSize(10)
                .map(RowMapper.column(Long.class)).all().collectList().block();
        assertThat(many).hasSize(300).startsWith(1L, 2L).endsWith(300L);
        assertThat(io.sluice.testing.Await.noneLentOut(lanes, LANE)).as("connections still lent out (handed back within 5 s)").isTrue();
    }

    @Test
    void aParameterTypeTheSharedConnectionsDoNotSendTakesAConnectionOfItsOwn() {
        assertThat(db.sql(LANE, "SELECT count(*) FROM item WHERE id = ANY($1)").bind(1, new Long[]{1L, 2L, 3L})
                .map(RowMapper.column(Long.class)).one().block()).isEqualTo(3L);
    }

    @Test
    void aPerConnectionLimitAboveTheDriversQueueIsRejectedNamingIt() {
        assertThatThrownBy(() -> LaneConfig.builder(LANE).multiplexed(2, 300))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("perConnection (300)").hasMessageContaining("256");
        assertThatThrownBy(() -> LaneConfig.builder(LANE).multiplexed(0, 8))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("multiplexed connections");
    }
}
