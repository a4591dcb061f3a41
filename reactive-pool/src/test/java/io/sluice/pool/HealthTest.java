package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.Database;
import io.sluice.Lane;
import io.sluice.RowMapper;
import io.sluice.testing.Await;
import io.sluice.testing.FaultProxy;
import io.sluice.testing.TestLanes;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Health through real faults: a saturated lane, a refusing server, an open breaker, a black hole, and back. */
class HealthTest {

    private static final Lane LANE = Lane.INTERACTIVE;
    private TestLanes t;
    private FaultProxy proxy;
    private Lanes lanes;

    @BeforeEach
    void start() {
        t = new TestLanes("health");
        proxy = FaultProxy.start(t.pg().server().host(), t.pg().server().port());
    }

    @AfterEach
    void stop() {
        if (lanes != null) {
            lanes.close();
        }
        proxy.close();
        assertThat(t.pg().awaitBackends(t.appName(LANE), 0, Duration.ofSeconds(10))).as("connections left on the server").isZero();
        t.close();
    }

    private Lanes throughProxy(LaneConfig.Builder lane, Duration probeInterval) {
        ServerConfig server = t.pg().serverBuilder().host(proxy.host()).port(proxy.port()).connectTimeout(Duration.ofSeconds(1)).build();
        lanes = Lanes.builder(server).checkBudget(false).meterRegistry(new SimpleMeterRegistry())
                .healthProbeInterval(probeInterval).health(HealthPolicy.defaults().withSustainedFor(Duration.ZERO))
                .lane(lane.build()).build().start().block();
        return lanes;
    }

    private static boolean await(BooleanSupplier condition) {
        return Await.until(Duration.ofSeconds(20), condition);
    }

    private static Mono<Integer> read(Database db) {
        return db.sql(LANE, "SELECT 1").map(RowMapper.column(Integer.class)).one();
    }

    private Health health() {
        return lanes.health().block(Duration.ofSeconds(10));
    }

    @Test
    void healthGoesUpDegradedDownAndUpAgainThroughRealFaults() {
        CircuitBreakerConfig breaker = CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED).slidingWindowSize(4)
                .minimumNumberOfCalls(2).failureRateThreshold(50).waitDurationInOpenState(Duration.ofMillis(500))
                .permittedNumberOfCallsInHalfOpenState(1).build();
        Database db = throughProxy(t.lane(LANE).maxSize(2).initialSize(1).acquireTimeout(Duration.ofMillis(500))
                .clientTimeout(Duration.ofMillis(500)).validationTimeout(Duration.ofMillis(500))
                .retry(RetryPolicy.none()).circuitBreaker(breaker), Duration.ofMillis(100)).database();

        Health up = health();
        assertThat(up.status()).isEqualTo(HealthStatus.UP);
        assertThat(up.reasons()).isEmpty();
        assertThat(up.server()).isNotNull();
        assertThat(up.server().reachable()).isTrue();
        assertThat(up.lanes().get("interactive").figures().connectionsOpen()).isEqualTo(1);

        // saturated: both connections held
        List<Disposable> holders = List.of(db.withConnection(LANE, s -> Mono.never()).subscribe(),
                db.withConnection(LANE, s -> Mono.never()).subscribe());
        assertThat(await(() -> lanes.admission(LANE).inFlight() == 2 && lanes.snapshot(LANE).acquired() == 2)).isTrue();
        Health saturated = health();
        assertThat(saturated.status()).isEqualTo(HealthStatus.DEGRADED);
        assertThat(saturated.lanes().get("interactive").reasons()).singleElement().asString()
                .startsWith("saturated for").contains("2 in flight of limit 2");
        assertThat(saturated.reasons()).singleElement().asString().startsWith("lane interactive: saturated");
        holders.forEach(Disposable::dispose);
        assertThat(await(() -> lanes.snapshot(LANE).acquired() == 0 && health().status() == HealthStatus.UP)).isTrue();

        // down: every connection dropped, new ones refused; work fails until the breaker opens
        proxy.refuseNew(true);
        proxy.dropAll();
        assertThat(await(() -> {
            read(db).onErrorResume(e -> Mono.empty()).block(Duration.ofSeconds(5));
            return "OPEN".equals(lanes.admission(LANE).breakerState());
        })).as("the breaker opens").isTrue();
        Health down = health();
        assertThat(down.status()).isEqualTo(HealthStatus.DOWN);
        assertThat(down.lanes().get("interactive").status()).isEqualTo(HealthStatus.DOWN);
        assertThat(down.reasons()).anySatisfy(r -> assertThat(r).startsWith("lane interactive: circuit breaker open"));
        assertThat(await(() -> {
            Health h = health();
            return h.server() != null && !h.server().reachable();
        })).as("the probe fails too").isTrue();
        assertThat(health().reasons()).anySatisfy(r -> assertThat(r).startsWith("server: the health probe through lane interactive failed"));
        assertThat(await(() -> health().lanes().get("interactive").reasons().stream()
                .anyMatch(r -> r.startsWith("no connection can be made: none is open")))).isTrue();
        assertThat(down.serving()).isFalse();

        // back: the server accepts again; trial calls close the breaker, the probe answers
        proxy.refuseNew(false);
        assertThat(await(() -> {
            read(db).onErrorResume(e -> Mono.empty()).block(Duration.ofSeconds(5));
            return health().status() == HealthStatus.UP;
        })).as("UP again; last: %s", lanes.currentHealth()).isTrue();
        assertThat(health().server().reachable()).isTrue();
    }

    @Test
    void aBlackHoledServerIsDownThroughTheProbeAndUpOnceItAnswers() {
        throughProxy(t.lane(LANE).maxSize(2).initialSize(2).acquireTimeout(Duration.ofMillis(300))
                .validationTimeout(Duration.ofMillis(300)).retry(RetryPolicy.none()), Duration.ofMillis(100));
        assertThat(health().status()).isEqualTo(HealthStatus.UP);
        proxy.blackHole(true);
        assertThat(await(() -> health().status() == HealthStatus.DOWN)).isTrue();
        Health down = lanes.currentHealth();
        assertThat(down.server().reachable()).isFalse();
        assertThat(down.server().error()).contains("no answer within 600 ms");
        assertThat(down.reasons()).anySatisfy(r -> assertThat(r).startsWith("server: the health probe through lane interactive failed"));
        proxy.blackHole(false);
        assertThat(await(() -> health().status() == HealthStatus.UP)).as("last: %s", lanes.currentHealth()).isTrue();
    }

    @Test
    void theProbeIsReusedAndNeverOpensAConnectionPerCheck() {
        Database db = throughProxy(t.lane(LANE).maxSize(3), Duration.ofHours(1)).database();
        assertThat(lanes.currentHealth().server()).as("no probe before the first check").isNull();
        List<Health> checks = Flux.range(0, 200).flatMap(i -> lanes.health(), 16).collectList().block(Duration.ofSeconds(30));
        assertThat(checks).hasSize(200).allSatisfy(h -> assertThat(h.status()).isEqualTo(HealthStatus.UP));
        assertThat(lanes.monitor().probe().probes()).as("probes run for 200 checks").isEqualTo(1);
        assertThat(t.pg().backends(t.appName(LANE))).as("connections the checks opened").isEqualTo(1);
        assertThat(read(db).block()).isEqualTo(1);
        for (int i = 0; i < 50; i++) {
            health();
        }
        assertThat(lanes.monitor().probe().probes()).isEqualTo(1);
        assertThat(checks.get(0).server().probedAt()).isEqualTo(health().server().probedAt());
    }

    @Test
    void theServerFiguresCountEveryClientNotOnlyThisOne() {
        throughProxy(t.lane(LANE).maxSize(3).initialSize(2), Duration.ofMillis(100));
        // another client of the same server, not ours
        Lanes other = Lanes.builder(t.pg().server()).checkBudget(false).meterRegistry(new SimpleMeterRegistry())
                .lane(t.lane(Lane.BACKGROUND).maxSize(1).initialSize(1).build()).build().start().block();
        try {
            ServerHealth s = health().server();
            assertThat(s.reachable()).isTrue();
            assertThat(s.maxConnections()).isEqualTo(Integer.parseInt(t.pg().setting("max_connections")));
            assertThat(s.superuserReserved()).isEqualTo(Integer.parseInt(t.pg().setting("superuser_reserved_connections")));
            assertThat(s.connectionLimit()).isEqualTo(s.maxConnections() - s.superuserReserved());
            assertThat(s.thisApplication()).as("this lane's application_name").isEqualTo(2);
            assertThat(s.thisInstance()).isEqualTo(2);
            assertThat(s.others()).as("the other client at least").isGreaterThanOrEqualTo(1);
            assertThat(s.connections()).isEqualTo(s.thisApplication() + s.others());
            assertThat(s.utilisation()).isEqualTo((double) s.connections() / s.connectionLimit());
            assertThat(s.probedThrough()).isEqualTo("interactive");
            assertThat(s.probeMillis()).isGreaterThanOrEqualTo(0);
            // by role and application_name, most first; ours among them unless ten others hold more
            assertThat(s.holders()).isNotEmpty().hasSizeLessThanOrEqualTo(ServerHealth.HOLDERS);
            assertThat(s.holders()).extracting(ConnectionHolder::connections).isSortedAccordingTo(java.util.Comparator.reverseOrder());
            assertThat(s.holders().stream().mapToInt(ConnectionHolder::connections).sum()).isLessThanOrEqualTo(s.connections());
            if (s.holders().size() < ServerHealth.HOLDERS || s.holders().get(ServerHealth.HOLDERS - 1).connections() < 2) {
                assertThat(s.holders()).contains(new ConnectionHolder(t.pg().server().user(), t.appName(LANE), 2));
            }
            LaneFigures f = lanes.figures(LANE);
            assertThat(f.serverConnections()).isEqualTo(s.connections());
            assertThat(f.serverConnectionLimit()).isEqualTo(s.connectionLimit());
        } finally {
            other.close();
        }
    }

    @Test
    void anOrdinaryRoleCountsOtherRolesSessionsToo() {
        String role = io.sluice.testing.PostgresFixture.uniqueName("hp_role");
        t.pg().execute("CREATE ROLE " + role + " LOGIN");
        Lanes other = Lanes.builder(t.pg().server()).checkBudget(false).meterRegistry(new SimpleMeterRegistry())
                .lane(t.lane(Lane.BACKGROUND).maxSize(1).initialSize(1).build()).build().start().block();
        try {
            throughProxy(t.lane(LANE).credentials(role, null).maxSize(2).initialSize(2), Duration.ofMillis(100));
            ServerHealth s = health().server();
            assertThat(s.reachable()).isTrue();
            assertThat(s.thisApplication()).isEqualTo(2);
            assertThat(s.others()).as("the superuser's lane at least").isGreaterThanOrEqualTo(1);
            assertThat(s.connections()).isGreaterThanOrEqualTo(3);
        } finally {
            other.close();
            lanes.close();
            lanes = null;
            t.pg().execute("DROP ROLE " + role);
        }
    }

    @Test
    void aLaneYieldingToAHigherPriorityLaneIsDegraded() {
        throughProxy(t.lane(LANE).maxSize(2), Duration.ofMillis(100));
        lanes.lane(LANE).gate().yieldFactor(0.5);
        Health h = lanes.currentHealth();
        assertThat(h.status()).isEqualTo(HealthStatus.DEGRADED);
        assertThat(h.lanes().get("interactive").reasons()).singleElement().asString()
                .isEqualTo("yielding to a higher-priority lane: admission limit at 50% (1)");
        lanes.lane(LANE).gate().yieldFactor(1);
        assertThat(lanes.currentHealth().status()).isEqualTo(HealthStatus.UP);
    }
}
