package io.sluice.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.ConnectionUnavailableException;
import io.sluice.Database;
import io.sluice.Lane;
import io.sluice.RowMapper;
import io.sluice.TransientConnectionException;
import io.sluice.pool.LaneConfig;
import io.sluice.pool.Lanes;
import io.sluice.pool.ServerConfig;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** The fault proxy between real lanes and a real PostgreSQL: each fault as the pool and the server see it. */
class FaultProxyTest {

    private static final Lane LANE = Lane.INTERACTIVE;
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final PostgresFixture pg = PostgresFixture.get();
    private final String app = PostgresFixture.uniqueName("sl-proxy");
    private FaultProxy proxy;
    private Lanes lanes;
    private Database db;

    @BeforeEach
    void startProxy() {
        proxy = FaultProxy.start(pg.server().host(), pg.server().port());
    }

    @AfterEach
    void stop() {
        if (lanes != null) {
            lanes.close();
        }
        proxy.close();
        pg.terminate(app);
    }

    /** Lanes through the proxy, failing fast: acquire and connect time out after 1 s. */
    private void startLanes(int initialSize, int maxSize) {
        ServerConfig server = pg.serverBuilder().host(proxy.host()).port(proxy.port())
                .connectTimeout(Duration.ofSeconds(1)).build();
        lanes = Lanes.builder(server).checkBudget(false).closeGracePeriod(Duration.ofSeconds(1))
                .lane(LaneConfig.builder(LANE).applicationName(app).initialSize(initialSize).maxSize(maxSize)
                        .acquireTimeout(Duration.ofSeconds(1)).validationTimeout(Duration.ofSeconds(1)).build())
                .build();
        lanes.start().block(WAIT);
        db = lanes.database();
    }

    private Mono<Integer> select(String sql) {
        return db.sql(LANE, sql).map(RowMapper.column(Integer.class)).one();
    }

    private Mono<Integer> selectOne() {
        return select("SELECT 1");
    }

    /** Polls {@code condition} every 20 ms for at most {@link #WAIT}; whether it became true. */
    private static boolean await(BooleanSupplier condition) {
        return io.sluice.testing.Await.until(WAIT, condition);
    }

    @Test
    void forwardsQueriesAndCountsOneConnectionPerPooledConnection() {
        startLanes(2, 2);

        List<Integer> rows = Flux.range(0, 20).flatMap(i -> selectOne(), 2).collectList().block(WAIT);

        assertThat(rows).hasSize(20).containsOnly(1);
        assertThat(lanes.snapshot(LANE).allocated()).isEqualTo(2);
        assertThat(proxy.openConnections()).isEqualTo(2);
        assertThat(pg.backends(app)).isEqualTo(2);
    }

    @Test
    void latencyDelaysEachDirectionOfARoundTrip() {
        startLanes(1, 1);
        selectOne().block(WAIT);
        proxy.latency(Duration.ofMillis(100));

        long start = System.nanoTime();
        Integer one = selectOne().block(WAIT);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(one).isEqualTo(1);
        assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(200));
    }

    @Test
    void droppingConnectionsWithChunksStillDelayedFailsTheWorkAndTheLaneServesAgain() {
        startLanes(1, 1);
        proxy.latency(Duration.ofSeconds(1));
        Mono<Integer> delayed = selectOne().cache();
        delayed.subscribe(x -> { }, e -> { });
        Mono.delay(Duration.ofMillis(200)).block();

        proxy.dropAll(); // the query is still in its delay: the proxy releases it, never sends it

        assertThatThrownBy(() -> delayed.block(WAIT)).isInstanceOf(TransientConnectionException.class);
        proxy.passThrough();
        assertThat(selectOne().block(WAIT)).isEqualTo(1);
    }

    @Test
    void dropAllFailsWorkInFlightAndTheLaneServesAgainThroughTheProxy() {
        startLanes(2, 2);
        List<Mono<Integer>> inFlight = List.of(select("SELECT 1 FROM pg_sleep(3)").cache(),
                select("SELECT 1 FROM pg_sleep(3)").cache());
        inFlight.forEach(m -> m.subscribe(x -> { }, e -> { }));
        assertThat(await(() -> pg.busyBackends(app) == 2)).as("both statements running").isTrue();

        proxy.dropAll();

        for (Mono<Integer> work : inFlight) {
            assertThatThrownBy(() -> work.block(WAIT)).isInstanceOf(TransientConnectionException.class)
                    .hasMessageContaining("[lane interactive]");
        }
        assertThat(Flux.range(0, 10).flatMap(i -> selectOne(), 2).collectList().block(WAIT)).hasSize(10).containsOnly(1);
        assertThat(proxy.openConnections()).isBetween(1, 2);
        assertThat(io.sluice.testing.Await.noneLentOut(lanes, LANE)).as("connections still lent out (handed back within 5 s)").isTrue();
    }

    @Test
    void refusedConnectionsFailFastWithConnectionUnavailableAndServeAgainOnceAccepted() {
        startLanes(0, 2);
        proxy.refuseNew(true);

        assertThatThrownBy(() -> selectOne().block(WAIT)).isInstanceOf(ConnectionUnavailableException.class)
                .hasMessageContaining("[lane interactive]")
                // refused, not left to wait out the acquire timeout
                .hasMessageNotContaining("no connection available after");
        assertThat(proxy.openConnections()).isZero();

        proxy.refuseNew(false);
        assertThat(selectOne().block(WAIT)).isEqualTo(1);
        // the query's connection, and perhaps one the health monitor opened to retry the lane that could not connect
        assertThat(proxy.openConnections()).isBetween(1, 2);
    }

    @Test
    void blackHoleLetsAQueryTimeOutOnTheClientAndTheLaneServesAgainByItself() {
        startLanes(1, 1);
        assertThat(selectOne().block(WAIT)).isEqualTo(1);
        proxy.blackHole(true);

        StepVerifier.create(selectOne().timeout(Duration.ofMillis(500)))
                .expectError(TimeoutException.class)
                .verify(WAIT);
        // the cancel request (a new connection, black-holed too) and the ROLLBACK get no answer within the
        // cleanup timeout (validationTimeout); then the connection is discarded
        assertThat(await(() -> lanes.snapshot(LANE).acquired() == 0)).as("connection handed back").isTrue();

        proxy.blackHole(false);
        // The cleanup after the cancel (cancel request, then a ROLLBACK round trip) got no answer within the
        // lane's cleanup timeout, so the connection whose query the black hole swallowed was discarded, not
        // returned: the lane serves again by itself on a new connection.
        assertThat(selectOne().timeout(WAIT).block()).isEqualTo(1);
        assertThat(lanes.snapshot(LANE).allocated()).as("the stuck connection left the pool").isEqualTo(1);
    }

    @Test
    void closingTheLanesAndTheProxyLeavesNoConnectionOnTheServer() {
        startLanes(2, 2);
        Flux.range(0, 10).flatMap(i -> selectOne(), 2).blockLast(WAIT);
        assertThat(pg.backends(app)).isEqualTo(2);

        lanes.close();
        lanes = null;
        assertThat(await(() -> proxy.openConnections() == 0)).as("the proxy closes its side with the client's").isTrue();
        proxy.close();

        assertThat(pg.awaitBackends(app, 0, WAIT)).isZero();
    }
}
