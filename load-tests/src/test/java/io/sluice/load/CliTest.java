package io.sluice.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CliTest {

    @Test
    void defaultsRunTheThroughputScenarioWithItsBaselines() {
        Settings s = Cli.parse();
        assertThat(s.scenario()).isEqualTo("throughput");
        assertThat(s.clients()).startsWith("sluice").contains("r2dbc-pool", "sluice-no-meters", "pgbench", "hikari-vt", "vertx-pipelined");
        assertThat(s.warmupMs()).isEqualTo(30_000);
        assertThat(s.durationMs()).isEqualTo(30_000);
        assertThat(s.fork()).isTrue();
        assertThat(s.jvmArgs()).containsExactly("-Xms1g", "-Xmx1g");
    }

    @Test
    void pgbouncerAddsTheTwinThroughPgBouncerOfEachClientThatHasOne() {
        assertThat(Cli.parse("--pgbouncer", "--clients", "sluice,r2dbc-pool,hikari").clients())
                .containsExactly("sluice", "sluice-pgbouncer", "r2dbc-pool", "r2dbc-pool-pgbouncer", "hikari");
        assertThat(Cli.parse("--scenario", "fleet").scenario()).isEqualTo("fleet");
    }

    @Test
    void jvmArgsComeAfterTheFixedHeapSoTheyWin() {
        assertThat(Cli.parse("--jvm-arg", "-Xmx4g", "--jvm-arg=-XX:+UseZGC").jvmArgs())
                .containsExactly("-Xms1g", "-Xmx1g", "-Xmx4g", "-XX:+UseZGC");
    }

    @Test
    void perLaneValuesWithoutALaneGoToTheInteractiveLane() {
        Settings s = Cli.parse("--scenario", "isolation", "--rate", "250", "--concurrency=background=24", "--pool-size",
                "background=4", "--pool-size", "6");
        assertThat(s.rate("interactive", 1)).isEqualTo(250.0);
        assertThat(s.rate("background", 1)).isEqualTo(1.0);
        assertThat(s.concurrency("background", 1)).isEqualTo(24);
        assertThat(s.poolSize("background", 1)).isEqualTo(4);
        assertThat(s.poolSize("interactive", 1)).isEqualTo(6);
        assertThat(s.clients()).containsExactly("sluice", "sluice-adaptive", "sluice-priority", "sluice-lending",
                "sluice-lending-priority", "r2dbc-pool");
    }

    @Test
    void durationsTakeUnits() {
        assertThat(Cli.millis("--x", "500ms", false)).isEqualTo(500);
        assertThat(Cli.millis("--x", "2.5s", false)).isEqualTo(2500);
        assertThat(Cli.millis("--x", "2m", false)).isEqualTo(120_000);
        assertThat(Cli.millis("--x", "PT3S", false)).isEqualTo(3000);
        assertThat(Cli.millis("--x", "7", false)).isEqualTo(7000);
        assertThat(Cli.millis("--x", "0", true)).isZero();
    }

    @Test
    void badValuesAreRejectedNamingTheOptionAndTheValue() {
        assertThatThrownBy(() -> Cli.parse("--duration", "soon")).isInstanceOf(Cli.UsageException.class)
                .hasMessageContaining("--duration").hasMessageContaining("soon");
        assertThatThrownBy(() -> Cli.parse("--duration", "0")).hasMessageContaining("more than zero");
        assertThatThrownBy(() -> Cli.parse("--rate", "background=-3")).hasMessageContaining("--rate").hasMessageContaining("-3");
        assertThatThrownBy(() -> Cli.parse("--scenario", "nope")).hasMessageContaining("nope").hasMessageContaining("isolation");
        assertThatThrownBy(() -> Cli.parse("--clients", "sluice,oracle")).hasMessageContaining("oracle");
        assertThatThrownBy(() -> Cli.parse("--frobnicate")).hasMessageContaining("--frobnicate");
        assertThatThrownBy(() -> Cli.parse("--users")).hasMessageContaining("needs a value");
        assertThatThrownBy(() -> Cli.parse("--schema", "Bad-Name")).hasMessageContaining("--schema");
    }

    @Test
    void helpListsEveryScenarioAndClient() {
        assertThatThrownBy(() -> Cli.parse("--help")).isInstanceOf(Cli.UsageException.class).hasMessage("");
        String help = Cli.help();
        assertThat(help).contains("throughput", "isolation", "users", "connection-per-query", "--warmup", "--rate",
                "hikari-vt", "vertx-pipelined", "pgbench-connect", "REPORT-SCHEMA.md");
    }
}
