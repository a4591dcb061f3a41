package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.r2dbc.postgresql.PostgresqlConnectionConfiguration;
import io.r2dbc.postgresql.PostgresqlConnectionFactory;
import io.r2dbc.postgresql.api.PostgresqlConnection;
import io.sluice.ConfigurationException;
import io.sluice.Lane;
import io.sluice.testing.PgBouncerFixture;
import io.sluice.testing.PostgresFixture;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/** The start-up budget counts what other clients hold and how many instances run the lanes; a pooler has none to check. */
class BudgetTest {

    private final PostgresFixture pg = PostgresFixture.get();

    private int maxConnections() {
        return pg.queryOne("SELECT current_setting('max_connections')::int", r -> r.get(0, Integer.class));
    }

    @Test
    void connectionsOtherClientsHoldAreCountedAndNamedByRoleAndApplication() {
        String app = PostgresFixture.uniqueName("sl-budget-other");
        ServerConfig s = pg.server();
        PostgresqlConnectionFactory other = new PostgresqlConnectionFactory(PostgresqlConnectionConfiguration.builder()
                .host(s.host()).port(s.port()).username(s.user()).database(s.database()).applicationName(app).build());
        List<PostgresqlConnection> held = Flux.range(0, 8).concatMap(i -> other.create()).collectList().block();
        try {
            Lanes lanes = Lanes.builder(s).lane(LaneConfig.builder(Lane.INTERACTIVE).maxSize(maxConnections() - 10).build()).build();
            StepVerifier.create(lanes.start())
                    .verifyErrorSatisfies(e -> assertThat(e).isInstanceOf(ConfigurationException.class)
                            .hasMessageContaining("held by others").hasMessageContaining(s.user() + "/" + app + "=8")
                            .hasMessageContaining("pooler=transaction"));
            lanes.close();
        } finally {
            Flux.fromIterable(held).concatMap(PostgresqlConnection::close).blockLast();
        }
    }

    @Test
    void connectionsOfAnotherInstanceOfThisServiceAreNamedAsSuch() {
        String app = PostgresFixture.uniqueName("sl-budget-sibling");
        LaneConfig lane = LaneConfig.builder(Lane.INTERACTIVE).applicationName(app).maxSize(2).initialSize(2).build();
        Lanes sibling = Lanes.builder(pg.server()).lane(lane).build().start().block();
        try {
            Lanes lanes = Lanes.builder(pg.server()).lane(LaneConfig.builder(Lane.INTERACTIVE).applicationName(app)
                    .maxSize(maxConnections()).build()).build();
            StepVerifier.create(lanes.start())
                    .verifyErrorSatisfies(e -> assertThat(e).isInstanceOf(ConfigurationException.class)
                            .hasMessageContaining("2 of them carry these lanes' application_names").hasMessageContaining("instances(n)"));
            lanes.close();
        } finally {
            sibling.close();
        }
    }

    @Test
    void severalInstancesMustFitTogether() {
        int each = maxConnections() / 4 + 1;
        Lanes lanes = Lanes.builder(pg.server()).instances(4)
                .lane(LaneConfig.builder(Lane.INTERACTIVE).maxSize(each).build()).build();
        StepVerifier.create(lanes.start())
                .verifyErrorSatisfies(e -> assertThat(e).isInstanceOf(ConfigurationException.class)
                        .hasMessageContaining("add up to " + each).hasMessageContaining("x 4 instances = " + 4 * each)
                        .hasMessageContaining("per instance"));
        lanes.close();
        Lanes one = Lanes.builder(pg.server()).lane(LaneConfig.builder(Lane.INTERACTIVE).maxSize(5).build()).instances(4).build();
        StepVerifier.create(one.start()).expectNext(one).verifyComplete();
        one.close();
    }

    @Test
    void throughAPoolerTheLanesAreThePoolersClientsAndNotCheckedAgainstMaxConnections() {
        Lanes lanes = Lanes.builder(PgBouncerFixture.get().server().build()).instances(4)
                .lane(LaneConfig.builder(Lane.INTERACTIVE).maxSize(maxConnections()).build()).build();
        StepVerifier.create(lanes.start()).expectNext(lanes).verifyComplete();
        lanes.close();
    }
}
