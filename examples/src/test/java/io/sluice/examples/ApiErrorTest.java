package io.sluice.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.AdmissionTimeoutException;
import io.sluice.BadSqlException;
import io.sluice.CircuitOpenException;
import io.sluice.DatabaseException;
import io.sluice.DeadlineExceededException;
import io.sluice.Lane;
import io.sluice.LaneClosedException;
import io.sluice.LaneOverloadedException;
import io.sluice.QueryTimeoutException;
import io.sluice.SerializationFailureException;
import io.sluice.TransientConnectionException;
import io.sluice.examples.web.ApiError;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;

/** Sluice's exceptions as HTTP answers, without a server. */
class ApiErrorTest {

    static final Duration RETRY_AFTER = Duration.ofSeconds(1);
    static final Duration BREAKER_WAIT = Duration.ofSeconds(2);

    static ApiError map(Throwable e) {
        return ApiError.of(e, RETRY_AFTER);
    }

    @Test
    void overloadIs503WithRetryAfterAndTheLane() {
        ApiError e = map(new LaneOverloadedException(Lane.INTERACTIVE, 8, 8, 16, 16));
        assertThat(e.status()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        assertThat(e.retryAfter()).isEqualTo(RETRY_AFTER);
        assertThat(e.lane()).isEqualTo(Lane.INTERACTIVE);
        assertThat(e.detail()).startsWith("lane 'interactive' is overloaded");
    }

    @Test
    void openCircuitIs503RetryingAfterTheBreakersWait() {
        ApiError e = map(new CircuitOpenException(Lane.BACKGROUND, "OPEN", BREAKER_WAIT, null));
        assertThat(e.status()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        assertThat(e.retryAfter()).isEqualTo(BREAKER_WAIT);
        assertThat(e.lane()).isEqualTo(Lane.BACKGROUND);
        assertThat(map(new CircuitOpenException(Lane.BACKGROUND, "OPEN", null)).retryAfter()).as("wait unknown").isEqualTo(RETRY_AFTER);
    }

    @Test
    void noConnectionIs503() {
        assertThat(map(new AdmissionTimeoutException("waited", Lane.INTERACTIVE, Duration.ofMillis(500), null)).status())
                .isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        assertThat(map(new TransientConnectionException("lost", Lane.INTERACTIVE, "08006", null)).status())
                .isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        assertThat(map(new LaneClosedException(Lane.INTERACTIVE)).status()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        assertThat(map(new DatabaseException("lock timeout", Lane.INTERACTIVE, "55P03", null)).retryAfter()).isEqualTo(RETRY_AFTER);
    }

    @Test
    void timeoutsAre504() {
        assertThat(map(new DeadlineExceededException(Lane.INTERACTIVE, "before the work started", Duration.ZERO, null)).status())
                .isEqualTo(HttpStatus.GATEWAY_TIMEOUT);
        assertThat(map(new QueryTimeoutException("cancelled", Lane.INTERACTIVE, "57014", null)).status())
                .isEqualTo(HttpStatus.GATEWAY_TIMEOUT);
    }

    @Test
    void conflictsAre409AndTheServicesOwnBugsAre500WithoutSql() {
        assertThat(map(new SerializationFailureException("40001", Lane.INTERACTIVE, "40001", null)).status()).isEqualTo(HttpStatus.CONFLICT);
        ApiError bug = map(new BadSqlException("bad SQL: SELECT secret FROM nowhere", Lane.INTERACTIVE, "42P01", null));
        assertThat(bug.status()).isEqualTo(HttpStatus.INTERNAL_SERVER_ERROR);
        assertThat(bug.detail()).doesNotContain("SELECT");
    }

    @Test
    void foreignErrorsAreLeftToSpring() {
        assertThat(map(new IllegalStateException("not ours"))).isNull();
    }
}
