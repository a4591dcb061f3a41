package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.ConfigurationException;
import io.sluice.Lane;
import io.sluice.UnknownLaneException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** {@code build()} validates the lanes without touching the network; unknown lanes are refused with the fix. */
class LanesBuilderTest {

    private static final ServerConfig SERVER = ServerConfig.builder().host("db.invalid").user("app").password("s3cret!").build();

    @Test
    void rejectsLanesWithoutALane() {
        assertThatThrownBy(() -> Lanes.builder(SERVER).build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("no lane is configured; add at least one with .lane(...)");
    }

    @Test
    void rejectsTheSameLaneTwice() {
        Lanes.Builder b = Lanes.builder(SERVER).lane(Lane.INTERACTIVE);

        assertThatThrownBy(() -> b.lane(LaneConfig.builder(Lane.of("interactive")).maxSize(2).build()))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("lane 'interactive' is configured twice");
    }

    @Test
    void rejectsBadBuilderValuesNamingTheSetting() {
        assertThatThrownBy(() -> Lanes.builder(null)).hasMessage("server must not be null");
        assertThatThrownBy(() -> Lanes.builder(SERVER).budgetReserve(-1)).hasMessage("budgetReserve must be at least 0, was -1");
        assertThatThrownBy(() -> Lanes.builder(SERVER).closeGracePeriod(Duration.ofSeconds(-1)))
                .hasMessage("closeGracePeriod must not be negative, was PT-1S");
    }

    @Test
    void rejectsLendingThatCannotWorkNamingTheLanes() {
        LaneConfig bg = LaneConfig.builder(Lane.BACKGROUND).maxSize(4).build();
        assertThatThrownBy(() -> Lanes.builder(SERVER).lane(Lane.INTERACTIVE).lend(Lane.INTERACTIVE, Lane.INTERACTIVE, 1))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("a lane cannot lend to itself");
        assertThatThrownBy(() -> Lanes.builder(SERVER).lane(Lane.INTERACTIVE).lend(Lane.INTERACTIVE, Lane.BACKGROUND, 1).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("names a lane that is not configured");
        assertThatThrownBy(() -> Lanes.builder(SERVER).lane(Lane.INTERACTIVE).lane(bg).lend(Lane.BACKGROUND, Lane.INTERACTIVE, 4).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("lend reserve (4) must be below lane 'background' maxSize (4)");
        LaneConfig otherRole = LaneConfig.builder(Lane.BACKGROUND).credentials("batch", "pw").build();
        assertThatThrownBy(() -> Lanes.builder(SERVER).lane(Lane.INTERACTIVE).lane(otherRole).lend(Lane.INTERACTIVE, Lane.BACKGROUND, 1).build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("lanes 'interactive' and 'background' cannot share connections: they differ in role");
        // session settings may differ: a borrowed connection is switched to the borrower's and back
        LaneConfig ownSettings = LaneConfig.builder(Lane.BACKGROUND).sessionSetting("work_mem", "64MB").build();
        try (Lanes lanes = Lanes.builder(SERVER).lane(Lane.INTERACTIVE).lane(ownSettings).lend(Lane.INTERACTIVE, Lane.BACKGROUND, 1)
                .closeGracePeriod(Duration.ZERO).build()) {
            assertThat(lanes.lanes()).hasSize(2);
        }
    }

    @Test
    void answersWorkOnAnUnknownLaneWithTheConfiguredLanes() {
        try (Lanes lanes = Lanes.builder(SERVER).lane(Lane.INTERACTIVE).lane(Lane.BACKGROUND)
                .closeGracePeriod(Duration.ZERO).build()) {
            StepVerifier.create(Mono.defer(() -> lanes.lane(Lane.of("nope")).acquire()))
                    .expectErrorSatisfies(e -> assertThat(e)
                            .isExactlyInstanceOf(UnknownLaneException.class)
                            .hasMessageStartingWith("lane 'nope' is not configured; configured lanes: background, interactive."))
                    .verify(Duration.ofSeconds(5));
            assertThatThrownBy(() -> lanes.lane(Lane.ADMIN).settings()).isInstanceOf(UnknownLaneException.class);
            StepVerifier.create(lanes.database().sql(Lane.ADMIN, "SELECT 1").rowsUpdated())
                    .expectError(UnknownLaneException.class)
                    .verify(Duration.ofSeconds(5));
        }
    }

    @Test
    void servesTheConfiguredLanesWithoutPrintingThePassword() {
        try (Lanes lanes = Lanes.builder(SERVER).lane(LaneConfig.builder(Lane.BACKGROUND).fetchSize(50).build())
                .closeGracePeriod(Duration.ZERO).build()) {
            assertThat(lanes.lanes()).containsExactly(Lane.BACKGROUND);
            assertThat(lanes.lane(Lane.BACKGROUND).settings().fetchSize()).isEqualTo(50);
            assertThat(lanes.config(Lane.BACKGROUND).applicationName()).isEqualTo("sluice-background");
            assertThat(lanes.server()).isSameAs(SERVER);
            assertThat(lanes.toString()).contains("db.invalid:5432/app", "background").doesNotContain("s3cret!");
        }
    }
}
