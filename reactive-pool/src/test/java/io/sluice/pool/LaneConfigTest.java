package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.ConfigurationException;
import io.sluice.Lane;
import java.time.Duration;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every bad lane setting is rejected at once, naming the lane, the setting and the value; nothing is corrected. */
class LaneConfigTest {

    private static final Lane LANE = Lane.of("reports");

    private static LaneConfig.Builder builder() {
        return LaneConfig.builder(LANE);
    }

    @Test
    void hasDocumentedDefaults() {
        LaneConfig c = builder().build();

        assertThat(c.lane()).isEqualTo(LANE);
        assertThat(c.maxSize()).isEqualTo(10);
        assertThat(c.minIdle()).isZero();
        assertThat(c.initialSize()).isZero();
        assertThat(c.acquireTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.maxPendingAcquires()).isEqualTo(160);
        assertThat(c.predictiveShedding()).isTrue();
        assertThat(c.maxIdleTime()).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.maxLifetime()).isEqualTo(Duration.ofMinutes(30));
        assertThat(c.lifetimeJitter()).isEqualTo(Duration.ofMinutes(3));
        assertThat(c.evictionInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.maxUses()).isZero();
        assertThat(c.fetchSize()).isEqualTo(256);
        assertThat(c.applicationName()).isEqualTo("sluice-reports");
        assertThat(c.statementTimeout()).isNull();
        assertThat(c.sessionSettings()).isEmpty();
        assertThat(c.user()).isNull();
    }

    @Test
    void derivesPendingAcquiresAndJitterFromTheSettingsTheyDependOn() {
        LaneConfig c = builder().maxSize(5).maxLifetime(Duration.ofMinutes(20)).build();

        assertThat(c.maxPendingAcquires()).isEqualTo(80);
        assertThat(builder().maxSize(2).build().maxPendingAcquires()).isEqualTo(64);
        assertThat(c.lifetimeJitter()).isEqualTo(Duration.ofMinutes(2));
    }

    @Test
    void keepsExplicitValues() {
        LaneConfig c = builder().maxSize(4).minIdle(2).initialSize(4).maxPendingAcquires(0)
                .lifetimeJitter(Duration.ZERO).applicationName("reports-worker").fetchSize(0)
                .sessionSetting("search_path", "app").sessionSetting("myapp.tenant", "7").build();

        assertThat(c.maxPendingAcquires()).isZero();
        assertThat(c.lifetimeJitter()).isZero();
        assertThat(c.applicationName()).isEqualTo("reports-worker");
        assertThat(c.fetchSize()).isZero();
        assertThat(c.sessionSettings()).containsEntry("search_path", "app").containsEntry("myapp.tenant", "7");
    }

    static Stream<Arguments> badValues() {
        return Stream.of(
                bad("maxSize", "0", b -> b.maxSize(0)),
                bad("maxSize", "-3", b -> b.maxSize(-3)),
                bad("minIdle", "-1", b -> b.minIdle(-1)),
                bad("initialSize", "-1", b -> b.initialSize(-1)),
                bad("maxPendingAcquires", "-1", b -> b.maxPendingAcquires(-1)),
                bad("maxUses", "-1", b -> b.maxUses(-1)),
                bad("fetchSize", "-1", b -> b.fetchSize(-1)),
                bad("acquireTimeout", "PT0S", b -> b.acquireTimeout(Duration.ZERO)),
                bad("acquireTimeout", "PT-1S", b -> b.acquireTimeout(Duration.ofSeconds(-1))),
                bad("maxIdleTime", "PT0S", b -> b.maxIdleTime(Duration.ZERO)),
                bad("maxLifetime", "PT-1M", b -> b.maxLifetime(Duration.ofMinutes(-1))),
                bad("evictionInterval", "PT0S", b -> b.evictionInterval(Duration.ZERO)),
                bad("validationTimeout", "PT-0.001S", b -> b.validationTimeout(Duration.ofMillis(-1))),
                bad("statementTimeout", "PT0S", b -> b.statementTimeout(Duration.ZERO)),
                bad("lockTimeout", "PT-1S", b -> b.lockTimeout(Duration.ofSeconds(-1))),
                bad("idleInTransactionTimeout", "PT0S", b -> b.idleInTransactionTimeout(Duration.ZERO)),
                bad("lifetimeJitter", "PT-1S", b -> b.lifetimeJitter(Duration.ofSeconds(-1))),
                bad("applicationName", "64", b -> b.applicationName("x".repeat(64))),
                // cross-setting checks, made by build()
                bad("minIdle", "(11)", b -> b.minIdle(11)),
                bad("initialSize", "(3)", b -> b.maxSize(2).initialSize(3)),
                bad("lifetimeJitter", "(PT30M)", b -> b.lifetimeJitter(Duration.ofMinutes(30))),
                bad("lifetimeJitter", "(PT2M)", b -> b.maxLifetime(Duration.ofMinutes(1)).lifetimeJitter(Duration.ofMinutes(2))));
    }

    private static Arguments bad(String setting, String value, UnaryOperator<LaneConfig.Builder> set) {
        return Arguments.of(setting, value, set);
    }

    @ParameterizedTest(name = "{0} = {1}")
    @MethodSource("badValues")
    void rejectsABadValueNamingTheLaneSettingAndValue(String setting, String value, UnaryOperator<LaneConfig.Builder> set) {
        assertThatThrownBy(() -> set.apply(builder()).build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("lane 'reports': " + setting + " ")
                .hasMessageContaining(value)
                .satisfies(e -> assertThat(((ConfigurationException) e).setting()).endsWith(setting));
    }

    @Test
    void derivesTheEvictionSweepFromTheShortestIdleAndLifetimeSettings() {
        assertThat(builder().build().evictionInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(builder().maxIdleTime(Duration.ofSeconds(2)).build().evictionInterval()).isEqualTo(Duration.ofMillis(200));
        assertThat(builder().maxLifetime(Duration.ofSeconds(40)).build().evictionInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(builder().maxIdleTime(Duration.ofSeconds(2)).evictionInterval(Duration.ofMillis(500)).build().evictionInterval())
                .isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void rejectsAnEvictionSweepThatWouldHonourTheIdleTimeLate() {
        assertThatThrownBy(() -> builder().maxIdleTime(Duration.ofSeconds(2)).evictionInterval(Duration.ofSeconds(30)).build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("lane 'reports': evictionInterval (PT30S) is longer than a quarter of maxIdleTime (PT2S)")
                .hasMessageContaining("leave it unset");
    }

    @Test
    void rejectsMinIdleAboveMaxSizeWhateverTheOrderOfTheSetters() {
        assertThatThrownBy(() -> builder().minIdle(5).maxSize(3).build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("lane 'reports': minIdle (5) must not exceed maxSize (3)");
    }

    @Test
    void rejectsNullDurationsNamingTheSetting() {
        assertThatThrownBy(() -> builder().acquireTimeout(null))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("lane 'reports': acquireTimeout must not be null");
        assertThatThrownBy(() -> LaneConfig.builder(null))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("lane must not be null");
    }

    @ParameterizedTest
    @ValueSource(strings = {"application_name", "statement_timeout", "lock_timeout",
            "default_transaction_read_only", "default_transaction_isolation"})
    void rejectsSessionSettingsThatHaveTheirOwnSetter(String name) {
        assertThatThrownBy(() -> builder().sessionSetting(name, "0").build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("lane 'reports': sessionSetting '" + name + "' has its own setter on LaneConfig.Builder; use that");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Statement_Timeout", "APPLICATION_NAME"})
    void rejectsReservedSessionSettingsWhateverTheirCase(String name) {
        // PostgreSQL reads parameter names case-insensitively
        assertThatThrownBy(() -> builder().sessionSetting(name, "0").build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("sessionSetting '" + name + "' has its own setter");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1st", "search path", "a;b", "x-y"})
    void rejectsSessionSettingNamesPostgresqlDoesNotHave(String name) {
        assertThatThrownBy(() -> builder().sessionSetting(name, "v"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("lane 'reports': sessionSetting name '" + name + "' is not a PostgreSQL parameter name");
    }

    @Test
    void rejectsANullSessionSettingValueNamingTheSetting() {
        assertThatThrownBy(() -> builder().sessionSetting("search_path", null))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("sessionSetting search_path must not be null");
    }

    @Test
    void rejectsBlankCredentialsAndSessionInit() {
        assertThatThrownBy(() -> builder().credentials(" ", "pw"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("lane 'reports': user must not be empty");
        assertThatThrownBy(() -> builder().sessionInit(""))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("lane 'reports': sessionInit must not be empty");
    }

    @Test
    void neverPrintsTheLanePassword() {
        LaneConfig c = builder().credentials("reporter", "hunter2").build();

        assertThat(c.toString()).contains("user=reporter", "password=<hidden>").doesNotContain("hunter2");
        assertThat(c.password()).isEqualTo("hunter2");
    }
}
