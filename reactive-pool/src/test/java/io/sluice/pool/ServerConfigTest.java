package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.ConfigurationException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The builder and the standard {@code PG*} variables; TLS settings are checked against each other and the files. */
class ServerConfigTest {

    @TempDir
    Path dir;
    private Path ca;
    private Path cert;
    private Path key;

    @BeforeEach
    void files() throws IOException {
        ca = Files.writeString(dir.resolve("ca.crt"), "-----BEGIN CERTIFICATE-----\n");
        cert = Files.writeString(dir.resolve("client.crt"), "-----BEGIN CERTIFICATE-----\n");
        key = Files.writeString(dir.resolve("client.key"), "-----BEGIN PRIVATE KEY-----\n");
    }

    @Test
    void runsTheConnectionsOnOneEventLoopPerProcessorUnlessToldOtherwise() {
        assertThat(ServerConfig.builder().build().eventLoops()).isEqualTo(Math.max(1, Runtime.getRuntime().availableProcessors() / 2));
        assertThat(ServerConfig.builder().eventLoops(0).build().eventLoops()).as("0: reactor-netty's global loops").isZero();
        assertThatThrownBy(() -> ServerConfig.builder().eventLoops(-1))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("eventLoops").hasMessageContaining("-1");
        assertThatThrownBy(() -> ServerConfig.builder().eventLoops(1000))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("eventLoops");
    }

    @Test
    void defaultsToALocalServerAndADatabaseNamedAsTheUser() {
        ServerConfig c = ServerConfig.builder().user("app").build();

        assertThat(c.host()).isEqualTo("127.0.0.1");
        assertThat(c.port()).isEqualTo(5432);
        assertThat(c.database()).isEqualTo("app");
        assertThat(c.sslMode()).isEqualTo(SslMode.PREFER);
        assertThat(c.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.password()).isNull();
    }

    @Test
    void readsTheStandardEnvironmentVariables() {
        ServerConfig c = ServerConfig.fromEnvironment(Map.of(
                "PGHOST", "db.internal", "PGPORT", "6432", "PGDATABASE", "shop", "PGUSER", "shopper",
                "PGPASSWORD", "s3cret!", "PGSSLMODE", "verify-full", "PGSSLROOTCERT", ca.toString(),
                "PGCONNECT_TIMEOUT", "7")).build();

        assertThat(c.host()).isEqualTo("db.internal");
        assertThat(c.port()).isEqualTo(6432);
        assertThat(c.database()).isEqualTo("shop");
        assertThat(c.user()).isEqualTo("shopper");
        assertThat(c.password()).isEqualTo("s3cret!");
        assertThat(c.sslMode()).isEqualTo(SslMode.VERIFY_FULL);
        assertThat(c.sslRootCert()).isEqualTo(ca);
        assertThat(c.connectTimeout()).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void readsAClientCertificateFromTheEnvironment() {
        ServerConfig c = ServerConfig.fromEnvironment(Map.of(
                "PGSSLMODE", "require", "PGSSLCERT", cert.toString(), "PGSSLKEY", key.toString())).build();

        assertThat(c.sslCert()).isEqualTo(cert);
        assertThat(c.sslKey()).isEqualTo(key);
    }

    @Test
    void keepsDefaultsForUnsetOrBlankVariablesAndSocketDirectories() {
        ServerConfig c = ServerConfig.fromEnvironment(Map.of("PGHOST", "/var/run/postgresql", "PGPORT", " ", "PGUSER", "app"))
                .build();

        assertThat(c.host()).isEqualTo("127.0.0.1");
        assertThat(c.port()).isEqualTo(5432);
        assertThat(c.database()).isEqualTo("app");
    }

    @Test
    void readsTheConnectTimeoutAsLibpqDoes() {
        assertThat(connectTimeout("1")).as("libpq waits at least 2 s").isEqualTo(Duration.ofSeconds(2));
        assertThat(connectTimeout("0")).as("0 means no limit to libpq; the default is kept").isEqualTo(Duration.ofSeconds(10));
    }

    private static Duration connectTimeout(String seconds) {
        return ServerConfig.fromEnvironment(Map.of("PGCONNECT_TIMEOUT", seconds)).build().connectTimeout();
    }

    @Test
    void rejectsAPortThatIsNotANumberNamingTheVariable() {
        assertThatThrownBy(() -> ServerConfig.fromEnvironment(Map.of("PGPORT", "54x2")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("PGPORT must be a whole number, was '54x2'")
                .extracting(e -> ((ConfigurationException) e).setting()).isEqualTo("PGPORT");
    }

    @Test
    void rejectsAPortOutOfRange() {
        assertThatThrownBy(() -> ServerConfig.fromEnvironment(Map.of("PGPORT", "70000")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("port must be between 1 and 65535, was 70000");
    }

    @Test
    void rejectsAnUnknownSslModeListingTheKnownOnes() {
        assertThatThrownBy(() -> ServerConfig.fromEnvironment(Map.of("PGSSLMODE", "sometimes")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("sslMode 'sometimes' is not one of disable, prefer, require, verify-ca, verify-full");
    }

    @Test
    void parsesSslModesInLibpqAndEnumSpelling() {
        assertThat(SslMode.parse("verify-ca")).isEqualTo(SslMode.VERIFY_CA);
        assertThat(SslMode.parse(" VERIFY_FULL ")).isEqualTo(SslMode.VERIFY_FULL);
        assertThat(SslMode.DISABLE.libpqName()).isEqualTo("disable");
    }

    @Test
    void rejectsCertificateVerificationWithoutARootCertificate() {
        assertThatThrownBy(() -> ServerConfig.builder().sslMode(SslMode.VERIFY_FULL).build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("sslMode verify-full checks the server's certificate")
                .hasMessageContaining("set sslRootCert (PGSSLROOTCERT)")
                .extracting(e -> ((ConfigurationException) e).setting()).isEqualTo("sslRootCert");
        assertThatThrownBy(() -> ServerConfig.builder().sslMode(SslMode.VERIFY_CA).build())
                .hasMessageContaining("sslMode verify-ca");
    }

    @Test
    void rejectsAClientCertificateWithoutItsKeyAndTheOtherWayRound() {
        assertThatThrownBy(() -> ServerConfig.builder().sslMode(SslMode.REQUIRE).sslCert(cert).build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("a client certificate needs both sslCert and sslKey (PGSSLCERT and PGSSLKEY); only one is set")
                .extracting(e -> ((ConfigurationException) e).setting()).isEqualTo("sslKey");
        assertThatThrownBy(() -> ServerConfig.builder().sslMode(SslMode.REQUIRE).sslKey(key).build())
                .extracting(e -> ((ConfigurationException) e).setting()).isEqualTo("sslCert");
    }

    @Test
    void rejectsAFileThatCannotBeRead() {
        Path missing = dir.resolve("missing-ca.crt");

        assertThatThrownBy(() -> ServerConfig.builder().sslMode(SslMode.VERIFY_CA).sslRootCert(missing).build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("sslRootCert names a file that cannot be read: " + missing);
    }

    @Test
    void rejectsTlsFilesWhenTlsIsDisabled() {
        assertThatThrownBy(() -> ServerConfig.builder().sslMode(SslMode.DISABLE).sslRootCert(ca).build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("TLS files are set but sslMode is disable");
    }

    @Test
    void rejectsBadBuilderValuesNamingTheSetting() {
        assertThatThrownBy(() -> ServerConfig.builder().port(0)).hasMessage("port must be between 1 and 65535, was 0");
        assertThatThrownBy(() -> ServerConfig.builder().host(" ")).hasMessage("host must not be empty");
        assertThatThrownBy(() -> ServerConfig.builder().connectTimeout(Duration.ZERO))
                .hasMessage("connectTimeout must be a positive duration, was PT0S");
    }

    @Test
    void neverPrintsThePassword() {
        ServerConfig c = ServerConfig.fromEnvironment(Map.of("PGUSER", "app", "PGPASSWORD", "s3cret!", "PGDATABASE", "shop"))
                .sslMode(SslMode.REQUIRE).sslCert(cert).sslKey(key).sslKeyPassword("k3y-pass").build();

        assertThat(c.describe()).isEqualTo("127.0.0.1:5432/shop as app (sslmode require)");
        assertThat(c.toString()).contains("password=<hidden>").doesNotContain("s3cret!", "k3y-pass");
    }
}
