package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.ConfigurationException;
import java.time.Duration;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class RetryPolicyTest {

    private static final RetryPolicy POLICY = RetryPolicy.backoff(10, Duration.ofMillis(100), Duration.ofSeconds(1));

    @ParameterizedTest(name = "retry {0}: {1} ms")
    @CsvSource({"1, 100", "2, 200", "3, 400", "4, 800", "5, 1000", "6, 1000", "20, 1000"})
    void backoffDoublesFromTheInitialDelayUpToTheCap(long retry, long millis) {
        assertThat(POLICY.backoff(retry)).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest(name = "retry {0}")
    @ValueSource(longs = {30, 40, 55, 61, 62, 63, 64, 100, 1_000, Long.MAX_VALUE})
    void backoffStaysAtTheCapWithoutOverflowingForLargeRetryNumbers(long retry) {
        assertThat(POLICY.backoff(retry)).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void backoffNeverOverflowsEvenFromATinyStartTowardsAHugeCap() {
        Duration cap = Duration.ofDays(200 * 365);
        RetryPolicy wide = RetryPolicy.backoff(3, Duration.ofNanos(3), cap);
        Duration previous = Duration.ZERO;
        for (long retry = 1; retry <= 200; retry++) {
            Duration backoff = wide.backoff(retry);
            assertThat(backoff).as("retry %d", retry).isGreaterThanOrEqualTo(previous).isLessThanOrEqualTo(cap);
            previous = backoff;
        }
        assertThat(wide.backoff(40)).isEqualTo(Duration.ofNanos(3L << 39));
        assertThat(previous).isEqualTo(cap);
    }

    @ParameterizedTest(name = "jitter {0}")
    @ValueSource(doubles = {0, 0.25, 0.5, 1})
    void delayTakesAtMostTheJitterShareOffTheBackoff(double jitter) {
        RetryPolicy policy = POLICY.jitter(jitter);
        for (long retry = 1; retry <= 8; retry++) {
            long backoff = policy.backoff(retry).toNanos();
            for (int i = 0; i < 500; i++) {
                long delay = policy.delay(retry).toNanos();
                assertThat(delay).isBetween((long) Math.floor(backoff * (1 - jitter)), backoff);
            }
        }
    }

    static Stream<Arguments> badSettings() {
        Duration ms = Duration.ofMillis(1);
        return Stream.of(
                Arguments.of("retry maxAttempts", "0", (Supplier<RetryPolicy>) () -> RetryPolicy.backoff(0, ms, ms)),
                Arguments.of("retry initialBackoff", "PT0S", (Supplier<RetryPolicy>) () -> RetryPolicy.backoff(3, Duration.ZERO, ms)),
                Arguments.of("retry initialBackoff", "PT-0.001S", (Supplier<RetryPolicy>) () -> RetryPolicy.backoff(3, ms.negated(), ms)),
                Arguments.of("retry initialBackoff", "null", (Supplier<RetryPolicy>) () -> RetryPolicy.backoff(3, null, ms)),
                Arguments.of("retry maxBackoff", "PT0S", (Supplier<RetryPolicy>) () -> RetryPolicy.backoff(3, ms, Duration.ZERO)),
                Arguments.of("retry maxBackoff", "PT0.001S", (Supplier<RetryPolicy>) () -> RetryPolicy.backoff(3, ms.multipliedBy(2), ms)),
                Arguments.of("retry maxTotal", "PT0S", (Supplier<RetryPolicy>) () -> RetryPolicy.defaults().maxTotal(Duration.ZERO)),
                Arguments.of("retry maxTotal", "null", (Supplier<RetryPolicy>) () -> RetryPolicy.defaults().maxTotal(null)),
                Arguments.of("retry jitter", "-0.1", (Supplier<RetryPolicy>) () -> RetryPolicy.defaults().jitter(-0.1)),
                Arguments.of("retry jitter", "1.5", (Supplier<RetryPolicy>) () -> RetryPolicy.defaults().jitter(1.5)),
                Arguments.of("retry jitter", "NaN", (Supplier<RetryPolicy>) () -> RetryPolicy.defaults().jitter(Double.NaN)));
    }

    @ParameterizedTest(name = "{0} = {1}")
    @MethodSource("badSettings")
    void buildersRejectBadValuesNamingTheSettingAndTheValue(String setting, String value, Supplier<RetryPolicy> build) {
        assertThatThrownBy(build::get)
                .isInstanceOfSatisfying(ConfigurationException.class, e -> assertThat(e.setting()).isEqualTo(setting))
                .hasMessageContaining(setting)
                .hasMessageContaining(value.equals("null") ? "must not be null" : value);
    }

    @Test
    void noneIsASingleAttempt() {
        assertThat(RetryPolicy.none().maxAttempts()).isEqualTo(1);
        assertThat(RetryPolicy.none()).hasToString("RetryPolicy[none]");
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        RetryPolicy p = RetryPolicy.defaults();

        assertThat(p.maxAttempts()).isEqualTo(6);
        assertThat(p.initialBackoff()).isEqualTo(Duration.ofMillis(50));
        assertThat(p.maxBackoff()).isEqualTo(Duration.ofSeconds(1));
        assertThat(p.maxTotal()).isEqualTo(Duration.ofSeconds(5));
        assertThat(p.jitter()).isEqualTo(0.5);
    }

    @Test
    void settingsMakeANewPolicyAndLeaveTheOldOneAsItWas() {
        RetryPolicy changed = POLICY.maxTotal(Duration.ofSeconds(2)).jitter(0.1);

        assertThat(POLICY.maxTotal()).isEqualTo(Duration.ofSeconds(5));
        assertThat(POLICY.jitter()).isEqualTo(0.5);
        assertThat(changed.maxTotal()).isEqualTo(Duration.ofSeconds(2));
        assertThat(changed.jitter()).isEqualTo(0.1);
        assertThat(changed.maxAttempts()).isEqualTo(10);
        assertThat(changed.initialBackoff()).isEqualTo(Duration.ofMillis(100));
        assertThat(changed.maxBackoff()).isEqualTo(Duration.ofSeconds(1));
    }
}
