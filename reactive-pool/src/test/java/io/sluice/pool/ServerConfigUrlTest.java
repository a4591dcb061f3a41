package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.ConfigurationException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** R2DBC and libpq URLs fill the same builder; the password in a URL never reaches a message. */
class ServerConfigUrlTest {

    private static final String PASSWORD = "s3cr3t-pw";

    @Test
    void parsesAnR2dbcUrl() {
        ServerConfig c = ServerConfig.fromUrl("r2dbc:postgresql://u:secret@h:6543/db?sslMode=require").build();

        assertThat(c.host()).isEqualTo("h");
        assertThat(c.port()).isEqualTo(6543);
        assertThat(c.user()).isEqualTo("u");
        assertThat(c.password()).isEqualTo("secret");
        assertThat(c.database()).isEqualTo("db");
        assertThat(c.sslMode()).isEqualTo(SslMode.REQUIRE);
    }

    @Test
    void parsesLibpqAndPoolUrls() {
        for (String url : new String[]{"postgresql://u:secret@h:6543/db?sslmode=require",
                "postgres://u:secret@h:6543/db?sslmode=require", "r2dbc:pool:postgresql://u:secret@h:6543/db?sslMode=require"}) {
            assertThat(ServerConfig.fromUrl(url).build().describe()).as(url).isEqualTo("h:6543/db as u (sslmode require)");
        }
    }

    @Test
    void acceptsABracketedIpv6Host() {
        ServerConfig c = ServerConfig.fromUrl("r2dbc:postgresql://u@[::1]:5433/db").build();

        assertThat(c.host()).isEqualTo("[::1]");
        assertThat(c.port()).isEqualTo(5433);
    }

    @Test
    void decodesAPercentEncodedPassword() {
        assertThat(ServerConfig.fromUrl("postgresql://u:p%40ss%2Fword@h/db").build().password()).isEqualTo("p@ss/word");
    }

    @Test
    void readsConnectionOptionsFromTheQuery() {
        ServerConfig c = ServerConfig.fromUrl("r2dbc:postgresql://u@h/db?connectTimeout=PT5S&tcpKeepAlive=false&ssl=true").build();

        assertThat(c.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.tcpKeepAlive()).isFalse();
        assertThat(c.sslMode()).as("ssl=true asks for TLS").isEqualTo(SslMode.REQUIRE);
        assertThat(ServerConfig.fromUrl("r2dbc:postgresql://u@h/db?connectTimeout=3").build().connectTimeout())
                .isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void readsTheEventLoopCountAndRejectsOneThatIsNotANumber() {
        assertThat(ServerConfig.fromUrl("r2dbc:postgresql://u@h/db?eventLoops=0").build().eventLoops()).isZero();
        assertThat(ServerConfig.fromUrl("r2dbc:postgresql://u@h/db?eventLoops=3").build().eventLoops()).isEqualTo(3);
        assertThatThrownBy(() -> ServerConfig.fromUrl("r2dbc:postgresql://u@h/db?eventLoops=many"))
                .isInstanceOf(io.sluice.ConfigurationException.class)
                .hasMessageContaining("eventLoops").hasMessageContaining("'many'");
    }

    @Test
    void canBeCombinedWithBuilderSettings() {
        ServerConfig c = ServerConfig.fromUrl("postgresql://u@h/db").port(7000).sslMode(SslMode.DISABLE).build();

        assertThat(c.describe()).isEqualTo("h:7000/db as u (sslmode disable)");
    }

    @Test
    void rejectsAnotherDatabasesUrl() {
        assertThatThrownBy(() -> ServerConfig.fromUrl("r2dbc:mysql://u:" + PASSWORD + "@h:3306/db"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("the URL names driver 'mysql'; Sluice connects to PostgreSQL only")
                .hasMessageEndingWith("r2dbc:mysql://u:***@h:3306/db")
                .extracting(e -> ((ConfigurationException) e).setting()).isEqualTo("url");
    }

    @Test
    void rejectsAUrlThatIsNotAnR2dbcUrl() {
        assertThatThrownBy(() -> ServerConfig.fromUrl("jdbc:postgresql://h/db"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("the URL is not an R2DBC URL like r2dbc:postgresql://user@host:5432/database");
        assertThatThrownBy(() -> ServerConfig.fromUrl(" ")).hasMessage("url must not be empty");
    }

    @Test
    void rejectsAPortThatIsNotANumber() {
        assertThatThrownBy(() -> ServerConfig.fromUrl("r2dbc:postgresql://u@h:54x2/db").build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("r2dbc:postgresql://u@h:54x2/db");
    }

    @Test
    void rejectsBadQueryOptionsNamingThem() {
        assertThatThrownBy(() -> ServerConfig.fromUrl("r2dbc:postgresql://u:" + PASSWORD + "@h/db?connectTimeout=soon"))
                .hasMessage("connectTimeout must be an ISO-8601 duration (PT5S) or seconds, was 'soon'");
        assertThatThrownBy(() -> ServerConfig.fromUrl("r2dbc:postgresql://u:" + PASSWORD + "@h/db?sslMode=sometimes"))
                .hasMessageStartingWith("sslMode 'sometimes' is not one of");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "r2dbc:mysql://u:s3cr3t-pw@h/db",
            "http://u:s3cr3t-pw@h/db",
            "r2dbc://u:s3cr3t-pw@h/db",
            "r2dbc:postgresql://h/db?password=s3cr3t-pw&sslMode=nope",
            "r2dbc:postgresql://u:s3cr3t-pw@h:notaport/db",
            "r2dbc:postgresql://u:s3cr/3t-pw@h/db",
            "postgresql://u:s3cr/3t@pw@h/db",
            "r2dbc:postgresql://u:s3cr3t-pw@h:99999/db"})
    void neverShowsThePasswordOfARejectedUrl(String url) {
        assertThatThrownBy(() -> ServerConfig.fromUrl(url).build())
                .isInstanceOf(ConfigurationException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cr", "3t-pw", "3t@pw"));
    }

    @Test
    void neverShowsThePasswordOfAnAcceptedUrl() {
        ServerConfig c = ServerConfig.fromUrl("r2dbc:postgresql://u:" + PASSWORD + "@h:6543/db").build();

        assertThat(c.password()).isEqualTo(PASSWORD);
        assertThat(c.toString()).doesNotContain(PASSWORD).contains("password=<hidden>");
        assertThat(c.describe()).doesNotContain(PASSWORD);
    }

    @Test
    void redactsPasswordsForMessages() {
        assertThat(ServerConfig.redact("r2dbc:postgresql://u:pw@h/db")).isEqualTo("r2dbc:postgresql://u:***@h/db");
        assertThat(ServerConfig.redact("r2dbc:postgresql://u:p/w@h/db")).isEqualTo("r2dbc:postgresql://u:***@h/db");
        assertThat(ServerConfig.redact("r2dbc:postgresql://u:p@w@h/db")).isEqualTo("r2dbc:postgresql://u:***@h/db");
        assertThat(ServerConfig.redact("r2dbc:postgresql://h/db?user=u&Password=pw&x=1"))
                .isEqualTo("r2dbc:postgresql://h/db?user=u&Password=***&x=1");
        assertThat(ServerConfig.redact("r2dbc:postgresql://u@h:5432/db")).isEqualTo("r2dbc:postgresql://u@h:5432/db");
    }
}
