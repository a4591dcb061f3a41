package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class TxOptionsTest {

    @Test
    void defaultsLeaveEverySettingToTheLane() {
        TxOptions d = TxOptions.defaults();

        assertThat(d.isolation()).isNull();
        assertThat(d.readOnlyOrNull()).isNull();
        assertThat(d.statementTimeout()).isNull();
        assertThat(d.lockTimeout()).isNull();
        assertThat(d.idempotent()).isFalse();
    }

    @Test
    void withersReturnACopyAndLeaveTheOriginalUnchanged() {
        TxOptions base = TxOptions.defaults();
        TxOptions o = base.withIsolation(Isolation.REPEATABLE_READ)
                .withReadOnly(true)
                .withStatementTimeout(Duration.ofSeconds(3))
                .withLockTimeout(Duration.ofMillis(250))
                .withIdempotent(true);

        assertThat(o.isolation()).isEqualTo(Isolation.REPEATABLE_READ);
        assertThat(o.readOnlyOrNull()).isTrue();
        assertThat(o.statementTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(o.lockTimeout()).isEqualTo(Duration.ofMillis(250));
        assertThat(o.idempotent()).isTrue();
        assertThat(base).isEqualTo(TxOptions.defaults());
        assertThat(base.isolation()).isNull();
    }

    @Test
    void readOnlyAndReadWriteSetOnlyTheAccessMode() {
        assertThat(TxOptions.readOnly()).isEqualTo(TxOptions.defaults().withReadOnly(true));
        assertThat(TxOptions.readWrite().readOnlyOrNull()).isFalse();
        assertThat(TxOptions.readWrite().isolation()).isNull();
    }

    @Test
    void optionsWithTheSameSettingsAreEqual() {
        TxOptions a = TxOptions.readOnly().withLockTimeout(Duration.ofSeconds(1));
        TxOptions b = TxOptions.defaults().withLockTimeout(Duration.ofSeconds(1)).withReadOnly(true);

        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a).isNotEqualTo(b.withIdempotent(true));
        assertThat(a.toString()).contains("readOnly=true", "lockTimeout=PT1S");
    }

    @Test
    void orElseTakesOnlyUnsetSettingsFromTheFallback() {
        TxOptions own = TxOptions.readWrite().withStatementTimeout(Duration.ofSeconds(1));
        TxOptions lane = TxOptions.defaults()
                .withIsolation(Isolation.SERIALIZABLE)
                .withReadOnly(true)
                .withStatementTimeout(Duration.ofSeconds(30))
                .withLockTimeout(Duration.ofSeconds(5));

        TxOptions merged = own.orElse(lane);

        assertThat(merged.isolation()).isEqualTo(Isolation.SERIALIZABLE);
        assertThat(merged.readOnlyOrNull()).as("an explicit read-write wins over the lane's read-only").isFalse();
        assertThat(merged.statementTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(merged.lockTimeout()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void orElseIsIdempotentWhenEitherSideIs() {
        TxOptions plain = TxOptions.defaults();
        TxOptions idem = TxOptions.defaults().withIdempotent(true);

        assertThat(plain.orElse(idem).idempotent()).isTrue();
        assertThat(idem.orElse(plain).idempotent()).isTrue();
        assertThat(plain.orElse(plain).idempotent()).isFalse();
    }

    @Test
    void rejectsAZeroStatementTimeoutNamingTheSetting() {
        assertThatThrownBy(() -> TxOptions.defaults().withStatementTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("statementTimeout must be positive, was PT0S");
    }

    @Test
    void rejectsANegativeLockTimeoutNamingTheSetting() {
        assertThatThrownBy(() -> TxOptions.defaults().withLockTimeout(Duration.ofMillis(-5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("lockTimeout must be positive, was PT-0.005S");
    }

    @Test
    void rejectsNullSettingsNamingThem() {
        assertThatThrownBy(() -> TxOptions.defaults().withStatementTimeout(null)).hasMessage("statementTimeout");
        assertThatThrownBy(() -> TxOptions.defaults().withIsolation(null)).hasMessage("isolation");
    }

    @Test
    void beginsAPlainTransactionWhenNothingIsSet() {
        assertThat(DefaultDatabase.beginSql(TxOptions.defaults())).isEqualTo("BEGIN");
    }

    @Test
    void beginsWithIsolationAccessModeAndLocalTimeouts() {
        TxOptions o = TxOptions.readOnly()
                .withIsolation(Isolation.SERIALIZABLE)
                .withStatementTimeout(Duration.ofMillis(500))
                .withLockTimeout(Duration.ofMillis(100));

        assertThat(DefaultDatabase.beginSql(o)).isEqualTo(
                "BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY; SET LOCAL statement_timeout = 500; SET LOCAL lock_timeout = 100");
    }

    @Test
    void beginsReadWriteWithTheIsolationsSqlSpelling() {
        assertThat(DefaultDatabase.beginSql(TxOptions.readWrite().withIsolation(Isolation.REPEATABLE_READ)))
                .isEqualTo("BEGIN ISOLATION LEVEL REPEATABLE READ READ WRITE");
        assertThat(DefaultDatabase.beginSql(TxOptions.defaults().withIsolation(Isolation.READ_COMMITTED)))
                .isEqualTo("BEGIN ISOLATION LEVEL READ COMMITTED");
    }

    @Test
    void roundsASubMillisecondTimeoutUpToOneMillisecondNotToNoLimit() {
        assertThat(DefaultDatabase.beginSql(TxOptions.defaults().withLockTimeout(Duration.ofNanos(1))))
                .isEqualTo("BEGIN; SET LOCAL lock_timeout = 1");
    }
}
