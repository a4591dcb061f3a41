package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.r2dbc.postgresql.PostgresqlConnectionConfiguration;
import io.r2dbc.postgresql.PostgresqlConnectionFactory;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ValidationDepth;
import io.sluice.testing.PostgresFixture;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/** Pins the r2dbc-postgresql behaviour LanePool's synchronous socket check relies on. */
class LanePoolDriverTest {

    @Test
    void theDriversLocalValidationIsAnswerableAtOnceAndSaysWhenTheSocketClosed() throws Exception {
        ServerConfig s = PostgresFixture.get().server();
        PostgresqlConnectionConfiguration.Builder b = PostgresqlConnectionConfiguration.builder()
                .host(s.host()).port(s.port()).database(s.database()).username(s.user())
                .sslMode(io.r2dbc.postgresql.client.SSLMode.fromValue(s.sslMode().libpqName()));
        if (s.password() != null) {
            b.password(s.password());
        }
        if (s.sslRootCert() != null) {
            b.sslRootCert(s.sslRootCert().toString());
        }
        Connection c = new PostgresqlConnectionFactory(b.build()).create().block(Duration.ofSeconds(10));

        assertThat(c.validate(ValidationDepth.LOCAL)).isInstanceOf(Callable.class);
        assertThat(LanePool.isClosedLocally(c)).isFalse();

        Mono.from(c.close()).block(Duration.ofSeconds(10));

        assertThat(LanePool.isClosedLocally(c)).isTrue();
    }
}
