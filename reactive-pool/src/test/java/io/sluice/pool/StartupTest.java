package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.ConfigurationException;
import io.sluice.ConnectionUnavailableException;
import io.sluice.Lane;
import io.sluice.testing.PostgresFixture;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/** Start-up checks that need a server: the connection budget, and an unreachable server. */
class StartupTest {

    private final PostgresFixture pg = PostgresFixture.get();

    @Test
    void overcommittedBudgetFailsWithTheNumbers() {
        int max = pg.queryOne("SELECT current_setting('max_connections')::int", r -> r.get(0, Integer.class));
        Lanes lanes = Lanes.builder(pg.server())
                .lane(LaneConfig.builder(Lane.INTERACTIVE).maxSize(max).build())
                .lane(LaneConfig.builder(Lane.BACKGROUND).maxSize(10).build())
                .build();
        StepVerifier.create(lanes.start())
                .verifyErrorSatisfies(e -> assertThat(e).isInstanceOf(ConfigurationException.class)
                        .hasMessageContaining("add up to " + (max + 10))
                        .hasMessageContaining("interactive=" + max).hasMessageContaining("background=10")
                        .hasMessageContaining("max_connections=" + max)
                        .hasMessageContaining("superuser_reserved_connections=")
                        .hasMessageContaining("budgetReserve=5"));
        lanes.close();
    }

    @Test
    void budgetWithinTheServerLimitStarts() {
        Lanes lanes = Lanes.builder(pg.server()).lane(LaneConfig.builder(Lane.INTERACTIVE).maxSize(5).build()).build();
        StepVerifier.create(lanes.start()).expectNext(lanes).verifyComplete();
        lanes.close();
    }

    @Test
    void unreachableServerFailsClearlyWithoutCredentials() {
        ServerConfig nowhere = pg.serverBuilder().port(1).password("hunter2-secret").connectTimeout(Duration.ofSeconds(2)).build();
        Lanes lanes = Lanes.builder(nowhere).lane(Lane.INTERACTIVE).build();
        StepVerifier.create(lanes.start())
                .verifyErrorSatisfies(e -> assertThat(e).isInstanceOf(ConnectionUnavailableException.class)
                        .hasMessageContaining(":1/").hasMessageContaining("Check that the server is running")
                        .hasMessageNotContaining("hunter2-secret"));
        StepVerifier.create(lanes.database().sql(Lane.INTERACTIVE, "SELECT 1").rowsUpdated())
                .verifyErrorSatisfies(e -> assertThat(e).isInstanceOf(ConnectionUnavailableException.class)
                        .hasMessageContaining("[lane interactive]").hasMessageNotContaining("hunter2-secret"));
        lanes.close();
    }

    @Test
    void unknownDatabaseIsReportedWithItsSqlState() {
        Lanes lanes = Lanes.builder(pg.serverBuilder().database("no_such_db_sluice").build())
                .lane(Lane.INTERACTIVE).checkBudget(false).build();
        StepVerifier.create(lanes.database().sql(Lane.INTERACTIVE, "SELECT 1").rowsUpdated())
                .verifyErrorSatisfies(e -> assertThat(e).isInstanceOf(ConnectionUnavailableException.class)
                        .hasMessageContaining("3D000").hasMessageContaining("no_such_db_sluice"));
        lanes.close();
    }

    @Test
    void buildingWithoutLanesFails() {
        assertThatThrownBy(() -> Lanes.builder(pg.server()).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("no lane");
    }
}
