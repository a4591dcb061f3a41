package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.ConnectionUnavailableException;
import io.sluice.Lane;
import io.sluice.RowMapper;
import io.sluice.testing.PostgresFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/**
 * TLS against the real server. The Testcontainers server has TLS on; a local server with {@code ssl = off}
 * is switched on for this class with the test certificates (written into its data directory through SQL,
 * so it works wherever the test role is a superuser on the same machine) and switched back afterwards.
 */
class TlsTest {

    private static final PostgresFixture pg = PostgresFixture.get();
    private static boolean enabledHere;
    private static Path ca;
    private static Path otherCa;

    @BeforeAll
    static void enableTls() throws Exception {
        ca = write("ca.crt");
        otherCa = write("other-ca.crt");
        String ssl = pg.setting("ssl");
        if ("on".equals(ssl)) {
            return;
        }
        String dir = pg.setting("data_directory");
        writeServerFile(dir + "/sluice-test-server.crt", "tls/server.crt");
        writeServerFile(dir + "/sluice-test-server.key", "tls/server.key");
        pg.execute("ALTER SYSTEM SET ssl_cert_file = '" + dir + "/sluice-test-server.crt'");
        pg.execute("ALTER SYSTEM SET ssl_key_file = '" + dir + "/sluice-test-server.key'");
        pg.execute("ALTER SYSTEM SET ssl = on");
        pg.execute("SELECT pg_reload_conf()");
        enabledHere = true;
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!"on".equals(pg.setting("ssl")) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(pg.setting("ssl"))
                .as("the server could not turn TLS on; check its log (the test role must be a superuser on a local server)")
                .isEqualTo("on");
    }

    /** Writes a PEM file line by line with COPY, so the server process owns it (mode 0600). */
    private static void writeServerFile(String path, String resource) {
        String[] lines = new String(PostgresFixture.resource(resource)).strip().split("\n");
        StringBuilder values = new StringBuilder();
        for (int i = 0; i < lines.length; i++) {
            values.append(i == 0 ? "" : ",").append("(").append(i).append(",'").append(lines[i].strip()).append("')");
        }
        pg.execute("COPY (SELECT l FROM (VALUES " + values + ") v(n, l) ORDER BY n) TO '" + path + "'");
        // COPY writes 0644; the server accepts a key only when no one else can read it
        pg.execute("COPY (SELECT 1) TO PROGRAM 'cat > /dev/null; chmod 0600 " + path + "'");
    }

    private static Path write(String resource) throws Exception {
        Path p = Files.createTempFile("sluice-", "-" + resource);
        Files.write(p, PostgresFixture.resource("tls/" + resource));
        p.toFile().deleteOnExit();
        return p;
    }

    @AfterAll
    static void restore() {
        if (enabledHere) {
            pg.execute("ALTER SYSTEM RESET ssl");
            pg.execute("ALTER SYSTEM RESET ssl_cert_file");
            pg.execute("ALTER SYSTEM RESET ssl_key_file");
            pg.execute("SELECT pg_reload_conf()");
        }
    }

    private static String sslOf(ServerConfig server) {
        try (Lanes lanes = Lanes.builder(server).lane(LaneConfig.builder(Lane.INTERACTIVE).maxSize(1).build()).checkBudget(false).build()) {
            return lanes.database().sql(Lane.INTERACTIVE, "SELECT ssl::text || '/' || coalesce(version, 'none') FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
                    .map(RowMapper.column(String.class)).one().block();
        }
    }

    @Test
    void requireEncryptsTheConnection() {
        assertThat(sslOf(pg.serverBuilder().sslMode(SslMode.REQUIRE).build())).startsWith("true/TLS");
    }

    @Test
    void verifyFullAcceptsTheServerCertificateSignedByTheConfiguredCa() {
        ServerConfig server = pg.serverBuilder().host("localhost").sslMode(SslMode.VERIFY_FULL).sslRootCert(ca).build();
        assertThat(sslOf(server)).startsWith("true/TLS");
        assertThat(sslOf(pg.serverBuilder().sslMode(SslMode.VERIFY_CA).sslRootCert(ca).build())).startsWith("true/TLS");
    }

    @Test
    void verifyCaRejectsACertificateFromAnotherCa() {
        ServerConfig server = pg.serverBuilder().sslMode(SslMode.VERIFY_CA).sslRootCert(otherCa).build();
        try (Lanes lanes = Lanes.builder(server).lane(Lane.INTERACTIVE).checkBudget(false).build()) {
            StepVerifier.create(lanes.database().sql(Lane.INTERACTIVE, "SELECT 1").rowsUpdated())
                    .verifyErrorSatisfies(e -> assertThat(e).isInstanceOf(ConnectionUnavailableException.class)
                            .hasMessageContaining("sslmode verify-ca"));
        }
    }

    @Test
    void aMultiplexedLaneEncryptsItsSharedConnectionsWithRequire() {
        LaneConfig mux = LaneConfig.builder(Lane.INTERACTIVE).maxSize(1).multiplexed(1, 8).build();
        try (Lanes lanes = Lanes.builder(pg.serverBuilder().sslMode(SslMode.REQUIRE).build()).lane(mux).checkBudget(false).build()) {
            assertThat(lanes.database().sql(Lane.INTERACTIVE, "SELECT ssl::text || '/' || coalesce(version, 'none') FROM pg_stat_ssl "
                    + "WHERE pid = pg_backend_pid()").map(RowMapper.column(String.class)).one().block()).startsWith("true/TLS");
            assertThat(lanes.snapshot(Lane.INTERACTIVE).allocated()).as("it ran on a shared connection").isZero();
        }
    }

    @Test
    void certificateChecksAreRejectedAtBuildTimeForAMultiplexedLane() {
        ServerConfig server = pg.serverBuilder().host("localhost").sslMode(SslMode.VERIFY_FULL).sslRootCert(ca).build();
        assertThatThrownBy(() -> Lanes.builder(server).lane(LaneConfig.builder(Lane.INTERACTIVE).multiplexed(1, 8).build()).build())
                .isInstanceOf(io.sluice.ConfigurationException.class).hasMessageContaining("verify-full").hasMessageContaining("multiplexed");
    }

    @Test
    void disableConnectsInPlainText() {
        assertThat(sslOf(pg.serverBuilder().sslMode(SslMode.DISABLE).build())).startsWith("false/");
    }
}
