package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Statement;
import io.sluice.BindException;
import io.sluice.Database;
import io.sluice.Lane;
import io.sluice.ProtocolViolationException;
import io.sluice.RowMapper;
import io.sluice.SluiceException;
import io.sluice.testing.TestLanes;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** A caller's mistake is the caller's: a typed usage error at subscribe, no connection spent, no breaker opened. */
class CallerMistakesTest {

    private static final Lane LANE = Lane.INTERACTIVE;
    private static TestLanes t;

    @BeforeAll
    static void start() {
        t = new TestLanes("mistakes");
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    private static Throwable failure(Mono<?> m) {
        return m.map(x -> (Throwable) new AssertionError("succeeded: " + x)).onErrorResume(Mono::just).block(Duration.ofSeconds(30));
    }

    private static String params(int n) {
        StringBuilder sql = new StringBuilder("SELECT count(*) FROM (VALUES (1)) v(x) WHERE x IN (");
        for (int i = 1; i <= n; i++) {
            sql.append(i == 1 ? "" : ",").append('$').append(i);
        }
        return sql.append(')').toString();
    }

    @Test
    void everyBindMistakeIsABindExceptionAtSubscribeAndBorrowsNoConnection() {
        Lanes lanes = t.start(t.lane(LANE).maxSize(2).build());
        Database db = lanes.database();
        Mono<Long> gap = db.sql(LANE, "SELECT $1::int, $3::int").bind(1, 1).bind(3, 3).rowsUpdated();
        Mono<Long> unknownName = db.sql(LANE, "SELECT :a::int").bind("b", 1).rowsUpdated();
        Mono<Long> mixed = db.sql(LANE, "SELECT :a::int, $2::int").bind("a", 1).rowsUpdated();
        Mono<Long> missing = db.sql(LANE, "SELECT $1::int, $2::int").bind(1, 1).rowsUpdated();
        Mono<Long> noCodec = db.sql(LANE, "SELECT $1::text").bind(1, new Object()).rowsUpdated();
        Mono<Long> tooMany = db.sql(LANE, params(65_536)).rowsUpdated();

        assertThat(failure(gap)).isInstanceOf(BindException.class).hasMessageContaining("uses $3 but not $2");
        assertThat(failure(unknownName)).isInstanceOf(BindException.class).hasMessageContaining("no parameter :b");
        assertThat(failure(mixed)).isInstanceOf(BindException.class).hasMessageContaining("mixes :name and $n");
        assertThat(failure(missing)).isInstanceOf(BindException.class).hasMessageContaining("$2 was not bound");
        assertThat(failure(noCodec)).isInstanceOf(BindException.class).hasMessageContaining("java.lang.Object to $1");
        assertThat(failure(tooMany)).isInstanceOf(BindException.class).hasMessageContaining("= ANY($1)");
        assertThat(io.sluice.testing.Await.noneLentOut(lanes, LANE)).as("connections still lent out (handed back within 5 s)").isTrue();
        // the full limit itself is fine
        Mono<Long> atLimit = Flux.range(1, 65_535).reduce(db.sql(LANE, params(65_535)), (q, i) -> q.bind(i, i))
                .flatMap(q -> q.map(RowMapper.column(Long.class)).one());
        assertThat(atLimit.block(Duration.ofSeconds(60))).isEqualTo(1L);
    }

    @Test
    void aProtocolViolationReplacesTheConnectionIsNotRetriedAndNeverOpensTheBreaker() {
        CircuitBreakerConfig breaker = CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED).slidingWindowSize(10)
                .minimumNumberOfCalls(5).failureRateThreshold(50).build();
        Lanes lanes = t.start(t.lane(LANE).maxSize(2).circuitBreaker(breaker).build());
        Database db = lanes.database();
        String sql = params(65_536);
        for (int i = 0; i < 24; i++) {
            // past Sluice's own check, straight to the driver: the server answers 08P01
            Throwable e = failure(db.withConnection(LANE, s -> {
                Statement st = s.connection().createStatement(sql);
                for (int p = 0; p < 65_536; p++) {
                    st.bind(p, p);
                }
                return Flux.from(st.execute()).flatMap(Result::getRowsUpdated).then(Mono.just(1));
            }));
            assertThat(e).isInstanceOf(ProtocolViolationException.class);
            assertThat(((SluiceException) e).sqlState()).isEqualTo("08P01");
            assertThat(((SluiceException) e).isRetryable()).isFalse();
        }
        assertThat(lanes.admission(LANE).breakerState()).isEqualTo("CLOSED");
        assertThat(db.sql(LANE, "SELECT 1").map(RowMapper.column(Integer.class)).one().block()).isEqualTo(1);
        assertThat(io.sluice.testing.Await.noneLentOut(lanes, LANE)).as("connections still lent out (handed back within 5 s)").isTrue();
    }
}
