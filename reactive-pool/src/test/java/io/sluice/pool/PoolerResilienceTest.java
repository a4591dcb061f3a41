package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.CircuitOpenException;
import io.sluice.Database;
import io.sluice.Lane;
import io.sluice.RowMapper;
import io.sluice.testing.Await;
import io.sluice.testing.FaultProxy;
import io.sluice.testing.PgBouncerFixture;
import io.sluice.testing.TestLanes;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Retry and the circuit breaker through a real PgBouncer in transaction mode: killed server connections, a black-holed pooler. */
class PoolerResilienceTest {

    private static final Lane LANE = Lane.INTERACTIVE;
    private TestLanes t;
    private FaultProxy proxy;
    private Lanes lanes;

    @BeforeEach
    void start() {
        t = new TestLanes("poolres");
        proxy = FaultProxy.start("127.0.0.1", PgBouncerFixture.get().port());
    }

    @AfterEach
    void stop() {
        if (lanes != null) {
            lanes.close();
        }
        proxy.close();
        t.close();
    }

    private Database throughProxy(LaneConfig.Builder lane) {
        ServerConfig server = PgBouncerFixture.get().server().host(proxy.host()).port(proxy.port())
                .connectTimeout(Duration.ofSeconds(2)).build();
        lanes = Lanes.builder(server).meterRegistry(new SimpleMeterRegistry()).lane(lane.build()).build().start().block();
        return lanes.database();
    }

    private static Mono<Integer> read(Database db, String marker) {
        return db.sql(LANE, "SELECT 1 FROM pg_sleep(0.3) /* " + marker + " */").idempotent().map(RowMapper.column(Integer.class)).one();
    }

    private int killRunning(String marker) {
        return t.pg().queryOne("SELECT count(pg_terminate_backend(pid))::int FROM pg_stat_activity WHERE query LIKE '%" + marker
                + "%' AND query NOT LIKE '%pg_stat_activity%'", r -> r.get(0, Integer.class));
    }

    @Test
    void retrySafeWorkSeesNoErrorWhenItsServerConnectionIsKilledMidStatement() {
        Database db = throughProxy(t.lane(LANE).maxSize(3));
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        Mono<List<Integer>> load = Flux.range(0, 6).flatMap(i -> read(db, "sluice-pooler-kill").doOnError(errors::add), 3)
                .collectList().cache();
        load.subscribe(x -> { }, e -> { });
        int killed = 0;
        long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (killed == 0 && System.nanoTime() < until) {
            killed = killRunning("sluice-pooler-kill");
        }
        assertThat(killed).as("server connections killed while their statement ran").isPositive();
        assertThat(load.block(Duration.ofSeconds(30))).hasSize(6).containsOnly(1);
        assertThat(errors).isEmpty();
        assertThat(Await.noneLentOut(lanes, LANE)).isTrue();
    }

    @Test
    void aBlackHoledPoolerOpensTheBreakerCallersFailFastAndTheLaneRecovers() {
        CircuitBreakerConfig breaker = CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED).slidingWindowSize(4)
                .minimumNumberOfCalls(2).failureRateThreshold(50).waitDurationInOpenState(Duration.ofSeconds(1))
                .permittedNumberOfCallsInHalfOpenState(2).build();
        Database db = throughProxy(t.lane(LANE).maxSize(2).initialSize(2).clientTimeout(Duration.ofMillis(300))
                .validationTimeout(Duration.ofMillis(300)).retry(RetryPolicy.none()).circuitBreaker(breaker));
        Mono<Integer> quick = db.sql(LANE, "SELECT 1").map(RowMapper.column(Integer.class)).one();
        assertThat(quick.block()).isEqualTo(1);
        proxy.blackHole(true);
        int timeouts = 0;
        while (!"OPEN".equals(lanes.admission(LANE).breakerState()) && timeouts < 10) {
            Throwable e = quick.map(x -> (Throwable) null).onErrorResume(Mono::just).block(Duration.ofSeconds(5));
            assertThat(e).isInstanceOf(io.sluice.QueryTimeoutException.class);
            timeouts++;
        }
        assertThat(lanes.admission(LANE).breakerState()).isEqualTo("OPEN");
        Throwable open = quick.map(x -> (Throwable) null).onErrorResume(Mono::just).block(Duration.ofSeconds(5));
        assertThat(open).isInstanceOf(CircuitOpenException.class);
        proxy.blackHole(false);
        assertThat(Await.until(Duration.ofSeconds(10), () -> quick.onErrorResume(e -> Mono.empty()).blockOptional().isPresent()
                && "CLOSED".equals(lanes.admission(LANE).breakerState()))).isTrue();
        assertThat(Flux.range(0, 20).flatMap(i -> quick, 2).count().block()).isEqualTo(20);
        assertThat(io.sluice.testing.Await.noneLentOut(lanes, LANE)).as("connections still lent out (handed back within 5 s)").isTrue();
    }
}
