package io.sluice.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.ConfigurationException;
import io.sluice.pool.ServerConfig;
import io.sluice.pool.SslMode;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code sluice.server.*} over the {@code PG*} variables, without a server. */
class ServerSettingsTest {

    @Test
    void pgVariablesAreReadAndPropertiesOverrideThem() {
        SluiceServerProperties p = new SluiceServerProperties();
        p.setPort(6432);
        p.setConnectTimeout(Duration.ofSeconds(3));
        ServerConfig c = ServerSettings.serverConfig(p, Map.of("PGHOST", "db.internal", "PGPORT", "5433", "PGUSER", "app",
                "PGDATABASE", "meals", "PGSSLMODE", "require"));
        assertThat(c.host()).isEqualTo("db.internal");
        assertThat(c.port()).isEqualTo(6432);
        assertThat(c.user()).isEqualTo("app");
        assertThat(c.database()).isEqualTo("meals");
        assertThat(c.sslMode()).isEqualTo(SslMode.REQUIRE);
        assertThat(c.connectTimeout()).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void aUrlReplacesThePgVariables() {
        SluiceServerProperties p = new SluiceServerProperties();
        p.setUrl("r2dbc:postgresql://svc@pg.example:5544/orders");
        ServerConfig c = ServerSettings.serverConfig(p, Map.of("PGHOST", "ignored", "PGUSER", "ignored"));
        assertThat(c.host()).isEqualTo("pg.example");
        assertThat(c.port()).isEqualTo(5544);
        assertThat(c.user()).isEqualTo("svc");
        assertThat(c.database()).isEqualTo("orders");
    }

    @Test
    void aRejectedValueNamesItsPropertyOrVariable() {
        SluiceServerProperties p = new SluiceServerProperties();
        p.setPort(70000);
        assertThatThrownBy(() -> ServerSettings.serverConfig(p, Map.of()))
                .isInstanceOfSatisfying(ConfigurationException.class, e -> {
                    assertThat(e.setting()).isEqualTo("sluice.server.port");
                    assertThat(e.getMessage()).contains("port must be between 1 and 65535, was 70000");
                });
        assertThatThrownBy(() -> ServerSettings.serverConfig(new SluiceServerProperties(), Map.of("PGPORT", "abc")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("PGPORT");
        SluiceServerProperties url = new SluiceServerProperties();
        url.setUrl("mysql://x");
        assertThatThrownBy(() -> ServerSettings.serverConfig(url, Map.of()))
                .isInstanceOfSatisfying(ConfigurationException.class, e -> assertThat(e.setting()).isEqualTo("sluice.server.url"));
        SluiceServerProperties tls = new SluiceServerProperties();
        tls.setSslMode("verify-full");
        assertThatThrownBy(() -> ServerSettings.serverConfig(tls, Map.of()))
                .isInstanceOfSatisfying(ConfigurationException.class, e -> assertThat(e.setting()).isEqualTo("sluice.server.ssl-root-cert"));
    }
}
