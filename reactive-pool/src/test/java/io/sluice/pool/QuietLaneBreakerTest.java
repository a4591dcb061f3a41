package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.CircuitOpenException;
import io.sluice.ConnectionUnavailableException;
import io.sluice.Database;
import io.sluice.Lane;
import io.sluice.testing.PostgresFixture;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A quiet lane, far from the breaker window's 20 calls, opens after 5 infrastructure failures in a row. */
class QuietLaneBreakerTest {

    @Test
    void quietLaneOpensAfterFiveConsecutiveInfrastructureFailures() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();   // nothing listens there once closed: connections are refused
        }
        ServerConfig server = PostgresFixture.get().serverBuilder().port(closedPort).connectTimeout(Duration.ofSeconds(2)).build();
        try (Lanes lanes = Lanes.builder(server).checkBudget(false)
                .lane(LaneConfig.builder(Lane.ADMIN).maxSize(1).acquireTimeout(Duration.ofSeconds(3)).retry(RetryPolicy.none()).build())
                .build().start().block()) {
            Database db = lanes.database();
            for (int i = 1; i <= 5; i++) {
                assertThatThrownBy(() -> db.sql(Lane.ADMIN, "SELECT 1").rowsUpdated().block(Duration.ofSeconds(20)))
                        .isInstanceOf(ConnectionUnavailableException.class);
                assertThat(lanes.admission(Lane.ADMIN).breakerState()).as("after %d failures", i).isEqualTo(i < 5 ? "CLOSED" : "OPEN");
            }
            assertThatThrownBy(() -> db.sql(Lane.ADMIN, "SELECT 1").rowsUpdated().block(Duration.ofSeconds(20)))
                    .isInstanceOf(CircuitOpenException.class);
        }
    }
}
