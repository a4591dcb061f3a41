package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.Lane;
import io.sluice.testing.PostgresFixture;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Where the lanes' connections run: Sluice's own loops, one per processor, unless told to share reactor-netty's. */
class EventLoopsTest {

    private final PostgresFixture pg = PostgresFixture.get();

    @Test
    void connectionsRunOnSluicesOwnLoopsByDefault() {
        assertThat(threadOfARow(pg.serverBuilder().build())).startsWith("sluice-io");
    }

    @Test
    void zeroSharesReactorNettysGlobalLoops() {
        assertThat(threadOfARow(pg.serverBuilder().eventLoops(0).build())).doesNotStartWith("sluice-io");
    }

    @Test
    void lanesWithTheSameCountShareOneSetOfLoops() {
        assertThat(EventLoops.of(3)).isSameAs(EventLoops.of(3)).isNotSameAs(EventLoops.of(2));
        assertThat(EventLoops.of(0)).isNull();
    }

    private static String threadOfARow(ServerConfig server) {
        try (Lanes lanes = Lanes.builder(server).lane(LaneConfig.builder(Lane.INTERACTIVE).maxSize(1).build()).build()) {
            lanes.start().block(Duration.ofSeconds(30));
            return lanes.database().sql(Lane.INTERACTIVE, "SELECT 1").map(r -> Thread.currentThread().getName()).one()
                    .block(Duration.ofSeconds(30));
        }
    }
}
