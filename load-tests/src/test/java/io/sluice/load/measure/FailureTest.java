package io.sluice.load.measure;

import static org.assertj.core.api.Assertions.assertThat;

import io.r2dbc.spi.R2dbcTimeoutException;
import io.sluice.ConnectionUnavailableException;
import io.sluice.Lane;
import io.sluice.QueryTimeoutException;
import io.sluice.TransientConnectionException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;
import reactor.pool.PoolAcquirePendingLimitException;

class FailureTest {

    @Test
    void sluiceQueueFullIsARejectionAndAcquireTimeoutATimeout() {
        var full = new ConnectionUnavailableException("full", Lane.INTERACTIVE, null, null, null,
                new PoolAcquirePendingLimitException(4));
        var slow = new ConnectionUnavailableException("slow", Lane.INTERACTIVE, null, null, null,
                new R2dbcTimeoutException("Connection acquisition timed out after 2000ms"));
        assertThat(Failure.classify(full)).isEqualTo(new Failure(Outcome.REJECTED, "CONNECTION_UNAVAILABLE[queue-full]", true));
        assertThat(Failure.classify(slow)).isEqualTo(new Failure(Outcome.TIMEOUT, "CONNECTION_UNAVAILABLE[acquire-timeout]", true));
    }

    @Test
    void sluiceFailuresAreCountedByKind() {
        assertThat(Failure.classify(new QueryTimeoutException("x", Lane.BACKGROUND, "57014", null)).outcome())
                .isEqualTo(Outcome.TIMEOUT);
        Failure lost = Failure.classify(new TransientConnectionException("x", Lane.BACKGROUND, "57P01", null));
        assertThat(lost).isEqualTo(new Failure(Outcome.ERROR, "CONNECTION_LOST[57P01]", true));
    }

    @Test
    void baselineFailuresAreClassifiedTheSameWay() {
        assertThat(Failure.classify(new PoolAcquirePendingLimitException(3)).outcome()).isEqualTo(Outcome.REJECTED);
        assertThat(Failure.classify(new R2dbcTimeoutException("acquire")).outcome()).isEqualTo(Outcome.TIMEOUT);
        assertThat(Failure.classify(new SQLTransientConnectionException("hikari - Connection is not available")).outcome())
                .isEqualTo(Outcome.TIMEOUT);
        assertThat(Failure.classify(new SQLException("canceling statement", "57014")).outcome()).isEqualTo(Outcome.TIMEOUT);
        assertThat(Failure.classify(new SQLException("serialization", "40001")))
                .isEqualTo(new Failure(Outcome.ERROR, "SQLException[40001]", true));
        assertThat(Failure.classify(new SQLException("syntax", "42601")))
                .isEqualTo(new Failure(Outcome.ERROR, "SQLException[42601]", false));
    }

    @Test
    void wrappersAreLookedThrough() {
        var wrapped = new java.util.concurrent.CompletionException(new PoolAcquirePendingLimitException(1));
        assertThat(Failure.classify(wrapped).outcome()).isEqualTo(Outcome.REJECTED);
    }
}
