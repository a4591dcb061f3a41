package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.Lane;
import io.sluice.testing.PostgresFixture;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Where the lanes' connections run: each lane on Sluice's own loops, half the processors, unless told to share reactor-netty's. */
class EventLoopsTest {

    private final PostgresFixture pg = PostgresFixture.get();

    @Test
    void connectionsRunOnSluicesOwnLoopsByDefault() {
        assertThat(threadOfARow(pg.serverBuilder().build(), Lane.INTERACTIVE)).startsWith("sluice-interactive-io");
    }

    @Test
    void zeroSharesReactorNettysGlobalLoops() {
        assertThat(threadOfARow(pg.serverBuilder().eventLoops(0).build(), Lane.INTERACTIVE)).doesNotStartWith("sluice-");
    }

    @Test
    void eachLaneHasItsOwnLoops() {
        // a background lane's rows are read on threads of its own: its large results never hold up an interactive answer
        assertThat(threadOfARow(pg.serverBuilder().build(), Lane.BACKGROUND)).startsWith("sluice-background-io");
        assertThat(EventLoops.of(3, Lane.INTERACTIVE)).isSameAs(EventLoops.of(3, Lane.INTERACTIVE))
                .isNotSameAs(EventLoops.of(2, Lane.INTERACTIVE)).isNotSameAs(EventLoops.of(3, Lane.BACKGROUND));
        assertThat(EventLoops.of(0, Lane.INTERACTIVE)).isNull();
        // a lane's shards: one single-thread loop each, shared by the lanes of that name in the process
        assertThat(EventLoops.loop(Lane.INTERACTIVE, 1)).isSameAs(EventLoops.loop(Lane.INTERACTIVE, 1))
                .isNotSameAs(EventLoops.loop(Lane.INTERACTIVE, 0)).isNotSameAs(EventLoops.loop(Lane.BACKGROUND, 1));
    }

    private static String threadOfARow(ServerConfig server, Lane lane) {
        try (Lanes lanes = Lanes.builder(server).lane(LaneConfig.builder(lane).maxSize(1).build()).build()) {
            lanes.start().block(Duration.ofSeconds(30));
            return lanes.database().sql(lane, "SELECT 1").map(r -> Thread.currentThread().getName()).one()
                    .block(Duration.ofSeconds(30));
        }
    }
}
