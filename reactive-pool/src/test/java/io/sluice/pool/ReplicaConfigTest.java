package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.ConfigurationException;
import io.sluice.Lane;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Host lists, target_session_attrs, read replicas and WAL positions: what the builders accept and reject. */
class ReplicaConfigTest {

    @Test
    void readsALibpqHostListFromAUrl() {
        ServerConfig c = ServerConfig.fromUrl("postgresql://u:pw@a:5432,b:5433,[::1]/db?target_session_attrs=read-write").build();
        assertThat(c.hosts()).containsExactly(new ServerAddress("a", 5432), new ServerAddress("b", 5433), new ServerAddress("::1", 5432));
        assertThat(c.host()).isEqualTo("a");
        assertThat(c.port()).isEqualTo(5432);
        assertThat(c.password()).isEqualTo("pw");
        assertThat(c.targetSessionAttrs()).isEqualTo(TargetSessionAttrs.READ_WRITE);
        assertThat(c.describe()).isEqualTo("a:5432,b:5433,[::1]:5432/db as u (sslmode prefer, target_session_attrs read-write)");
    }

    @Test
    void readsAHostListThatStartsWithAnIpv6Address() {
        ServerConfig c = ServerConfig.fromUrl("r2dbc:postgresql://u@[::1]:5433,b/db").build();
        assertThat(c.hosts()).containsExactly(new ServerAddress("::1", 5433), new ServerAddress("b", 5432));
    }

    @Test
    void readsHostAndPortListsFromTheEnvironment() {
        ServerConfig c = ServerConfig.fromEnvironment(Map.of("PGHOST", "a,b", "PGPORT", "5432,5433", "PGUSER", "u",
                "PGTARGETSESSIONATTRS", "read-write")).build();
        assertThat(c.hosts()).containsExactly(new ServerAddress("a", 5432), new ServerAddress("b", 5433));
        assertThat(c.targetSessionAttrs()).isEqualTo(TargetSessionAttrs.READ_WRITE);

        ServerConfig onePort = ServerConfig.fromEnvironment(Map.of("PGHOST", "a,b", "PGPORT", "6000")).build();
        assertThat(onePort.hosts()).containsExactly(new ServerAddress("a", 6000), new ServerAddress("b", 6000));
    }

    @Test
    void aSingleHostStaysASingleHost() {
        ServerConfig c = ServerConfig.builder().host("h").port(6543).user("u").database("db").build();
        assertThat(c.hosts()).containsExactly(new ServerAddress("h", 6543));
        assertThat(c.multiHost()).isFalse();
        assertThat(c.describe()).isEqualTo("h:6543/db as u (sslmode prefer)");
    }

    @Test
    void rejectsMismatchedListsAndUnknownTargets() {
        assertThatThrownBy(() -> ServerConfig.fromEnvironment(Map.of("PGHOST", "a,b,c", "PGPORT", "1,2")).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("2 ports are given for 3 hosts");
        assertThatThrownBy(() -> ServerConfig.builder().host("a,,b"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("empty entry");
        assertThatThrownBy(() -> TargetSessionAttrs.parse("writable"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("read-write").hasMessageContaining("'writable'");
        assertThatThrownBy(() -> ServerConfig.builder().hosts())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("at least one");
        assertThat(TargetSessionAttrs.parse("PREFER_STANDBY")).isEqualTo(TargetSessionAttrs.PREFER_STANDBY);
    }

    @Test
    void readReplicasNeedAStandbyAndSaneBounds() {
        ServerConfig s = ServerConfig.builder().host("s").build();
        assertThatThrownBy(() -> ReadReplicas.builder().build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("at least one standby");
        assertThatThrownBy(() -> ReadReplicas.builder().standby(s).standby(s).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("given twice");
        assertThatThrownBy(() -> ReadReplicas.builder().standby(s).maxLag(Duration.ofMillis(100)).checkInterval(Duration.ofSeconds(1)).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("maxLag");
        assertThatThrownBy(() -> ReadReplicas.builder().maxLagBytes(-1))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("maxLagBytes");
        ReadReplicas r = ReadReplicas.builder().standby(s).build();
        assertThat(r.maxLag()).isEqualTo(Duration.ofSeconds(10));
        assertThat(r.standbys()).isEqualTo(List.of(s));
    }

    @Test
    void lanesRejectReplicasForAnUnknownLaneOrTwice() {
        ReadReplicas r = ReadReplicas.builder().standby(ServerConfig.builder().host("s").build()).build();
        Lanes.Builder b = Lanes.builder(ServerConfig.builder().build()).lane(Lane.INTERACTIVE);
        assertThatThrownBy(() -> b.readReplicas(Lane.INTERACTIVE, r).readReplicas(Lane.INTERACTIVE, r))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("twice");
        assertThatThrownBy(() -> Lanes.builder(ServerConfig.builder().build()).lane(Lane.INTERACTIVE)
                .readReplicas(Lane.BACKGROUND, r).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("not configured");
    }

    @Test
    void rejectsTargetsThatCouldNeverMatch() {
        ServerConfig primaryOnly = ServerConfig.builder().host("a,b").targetSessionAttrs(TargetSessionAttrs.READ_WRITE).build();
        assertThatThrownBy(() -> Lanes.builder(primaryOnly).lane(LaneConfig.builder(Lane.INTERACTIVE).readOnly(true).build()).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("lane 'interactive' is read-only")
                .hasMessageContaining("TxOptions.readOnly()");
        ReadReplicas standbyAsPrimary = ReadReplicas.builder()
                .standby(ServerConfig.builder().host("s").targetSessionAttrs(TargetSessionAttrs.PRIMARY).build()).build();
        assertThatThrownBy(() -> Lanes.builder(ServerConfig.builder().build()).lane(Lane.INTERACTIVE)
                .readReplicas(Lane.INTERACTIVE, standbyAsPrimary).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("a standby never is");
    }

    @Test
    void walPositionsReadWriteAndOrderAsPgLsn() {
        WalPosition a = WalPosition.parse("16/B374D848");
        assertThat(a.toString()).isEqualTo("16/B374D848");
        assertThat(a.value()).isEqualTo(0x16B374D848L);
        WalPosition b = WalPosition.parse("17/0");
        assertThat(b).isGreaterThan(a);
        assertThat(b.bytesAfter(a)).isEqualTo(0x1700000000L - 0x16B374D848L);
        assertThat(a.bytesAfter(b)).isZero();
        assertThat(WalPosition.parse("FFFFFFFF/FFFFFFFF")).isGreaterThan(b);
        for (String bad : new String[] {"", "16", "/1", "x/1", "1/100000000"}) {
            assertThatThrownBy(() -> WalPosition.parse(bad)).as(bad)
                    .isInstanceOf(ConfigurationException.class).hasMessageContaining("pg_lsn");
        }
    }

    @Test
    void lagHistoryMeasuresSinceThePrimaryWasFirstPastTheStandby() {
        ReplicaChecker.History h = new ReplicaChecker.History(Duration.ofSeconds(60));
        long s = 1_000_000_000L;
        h.add(0, WalPosition.parse("0/100"));
        h.add(s, WalPosition.parse("0/200"));
        h.add(2 * s, WalPosition.parse("0/300"));
        assertThat(h.behindFor(WalPosition.parse("0/300"), 3 * s)).isEqualTo(Duration.ZERO);
        assertThat(h.behindFor(WalPosition.parse("0/150"), 3 * s)).isEqualTo(Duration.ofSeconds(2));
        assertThat(h.behindFor(WalPosition.parse("0/50"), 3 * s)).isEqualTo(Duration.ofSeconds(3));
    }
}
