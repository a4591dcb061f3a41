package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.r2dbc.postgresql.PostgresqlConnectionConfiguration;
import io.r2dbc.postgresql.PostgresqlConnectionFactory;
import io.r2dbc.postgresql.api.PostgresqlConnection;
import io.r2dbc.spi.Result;
import io.sluice.testing.FaultProxy;
import io.sluice.testing.PostgresFixture;
import java.time.Duration;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Pins what the multiplexed lanes are built around: r2dbc-postgresql's {@code Connection} pipelines statements
 * without parameters (simple Query, whose request stream completes at once) but sends a statement with
 * parameters only once the previous one's answer has ended (its request stream stays open for a re-Parse), so
 * concurrent parameterized statements on one connection take a round trip each. If a driver upgrade starts
 * pipelining them, this test fails: the multiplexed lanes could then be built on the SPI alone.
 */
class DriverPipeliningTest {

    private static final Duration ONE_WAY = Duration.ofMillis(25);   // a 50 ms round trip through the proxy
    private static final int STATEMENTS = 20;
    private static FaultProxy proxy;
    private static PostgresqlConnection connection;

    @BeforeAll
    static void connect() {
        PostgresFixture pg = PostgresFixture.get();
        proxy = FaultProxy.start(pg.server().host(), pg.server().port());
        PostgresqlConnectionConfiguration.Builder b = PostgresqlConnectionConfiguration.builder().host(proxy.host()).port(proxy.port())
                .username(pg.server().user()).database(pg.server().database()).applicationName("sluice-driver-pipelining");
        if (pg.server().password() != null) {
            b.password(pg.server().password());
        }
        connection = new PostgresqlConnectionFactory(b.build()).create().block(Duration.ofSeconds(10));
    }

    @AfterAll
    static void close() {
        connection.close().block(Duration.ofSeconds(10));
        proxy.close();
    }

    private static long millisFor(Function<Integer, Mono<Long>> statement) {
        proxy.latency(ONE_WAY);
        try {
            long start = System.nanoTime();
            Flux.range(0, STATEMENTS).flatMap(statement, STATEMENTS).then().block(Duration.ofSeconds(30));
            return Duration.ofNanos(System.nanoTime() - start).toMillis();
        } finally {
            proxy.passThrough();
        }
    }

    private static Mono<Long> rows(org.reactivestreams.Publisher<? extends Result> results) {
        return Flux.from(results).flatMap(Result::getRowsUpdated).reduce(0L, Long::sum);
    }

    @Test
    void statementsWithoutParametersArePipelinedOnOneConnection() {
        long ms = millisFor(i -> rows(connection.createStatement("SELECT " + i).execute()));
        assertThat(ms).as("%d statements without parameters took %d ms", STATEMENTS, ms).isLessThan(STATEMENTS * 50 / 2);
    }

    @Test
    void statementsWithParametersTakeARoundTripEachOnOneConnection() {
        long ms = millisFor(i -> rows(connection.createStatement("SELECT $1::int").bind(0, i).execute()));
        assertThat(ms).as("%d statements with parameters took %d ms", STATEMENTS, ms).isGreaterThanOrEqualTo(STATEMENTS * 50 - 100);
    }
}
