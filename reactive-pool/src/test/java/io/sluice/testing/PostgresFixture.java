package io.sluice.testing;

import io.r2dbc.postgresql.PostgresqlConnectionConfiguration;
import io.r2dbc.postgresql.PostgresqlConnectionFactory;
import io.r2dbc.postgresql.api.PostgresqlConnection;
import io.r2dbc.spi.Readable;
import io.sluice.pool.ServerConfig;
import io.sluice.pool.SslMode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.postgresql.PostgreSQLContainer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The PostgreSQL the tests run against, found once per JVM:
 * <ol>
 *   <li>{@code SLUICE_TEST_URL} (an R2DBC or libpq URL), when set;</li>
 *   <li>otherwise a Testcontainers PostgreSQL, when a Docker engine is available (TLS enabled);</li>
 *   <li>otherwise the server named by the standard {@code PG*} variables, by default 127.0.0.1:5432.</li>
 * </ol>
 * When none answers, every test that needs it fails with a message saying how to provide one: a test
 * never skips silently for want of a database. The role used must be a superuser (tests create
 * databases and terminate backends).
 */
public final class PostgresFixture {

    private static volatile PostgresFixture instance;

    private final ServerConfig server;
    private final String source;
    private final boolean container;

    private PostgresFixture(ServerConfig server, String source, boolean container) {
        this.server = server;
        this.source = source;
        this.container = container;
    }

    public static synchronized PostgresFixture get() {
        if (instance == null) {
            instance = locate();
        }
        return instance;
    }

    private static PostgresFixture locate() {
        Map<String, String> env = System.getenv();
        String url = env.get("SLUICE_TEST_URL");
        PostgresFixture candidate;
        if (url != null && !url.isBlank()) {
            candidate = new PostgresFixture(ServerConfig.fromUrl(url).build(), "SLUICE_TEST_URL", false);
        } else if (dockerAvailable()) {
            candidate = startContainer();
        } else {
            candidate = new PostgresFixture(ServerConfig.fromEnvironment(env).build(),
                    "the PG* environment variables (defaults 127.0.0.1:5432)", false);
        }
        try {
            candidate.queryOne("SELECT 1", r -> r.get(0, Integer.class));
        } catch (RuntimeException e) {
            throw new IllegalStateException("No PostgreSQL for the tests: Docker is not available for Testcontainers and "
                    + "no server answered at " + candidate.server.describe() + " (from " + candidate.source + "): "
                    + e.getMessage() + ". Provide one: start a Docker engine (Testcontainers then runs PostgreSQL itself), "
                    + "or run PostgreSQL and point PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE at it "
                    + "(or set SLUICE_TEST_URL=r2dbc:postgresql://user:password@host:5432/database). "
                    + "The role must be a superuser.", e);
        }
        return candidate;
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable t) {
            return false;
        }
    }

    @SuppressWarnings("resource")
    private static PostgresFixture startContainer() {
        PostgreSQLContainer pg = new PostgreSQLContainer("postgres:17-alpine")
                .withCopyToContainer(Transferable.of(resource("tls/server.crt"), 0644), "/var/lib/postgresql/server.crt")
                .withCopyToContainer(Transferable.of(resource("tls/server.key"), 0600), "/var/lib/postgresql/server.key")
                .withCommand("postgres", "-c", "max_connections=200", "-c", "ssl=on",
                        "-c", "ssl_cert_file=/var/lib/postgresql/server.crt",
                        "-c", "ssl_key_file=/var/lib/postgresql/server.key");
        pg.start();
        ServerConfig server = ServerConfig.builder().host(pg.getHost()).port(pg.getMappedPort(5432))
                .user(pg.getUsername()).password(pg.getPassword()).database(pg.getDatabaseName()).build();
        return new PostgresFixture(server, "Testcontainers", true);
    }

    public static byte[] resource(String name) {
        try (InputStream in = PostgresFixture.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("test resource missing: " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The server, as a superuser. */
    public ServerConfig server() {
        return server;
    }

    /** A builder for the server, to change one thing. */
    public ServerConfig.Builder serverBuilder() {
        ServerConfig.Builder b = ServerConfig.builder().host(server.host()).port(server.port())
                .user(server.user()).database(server.database()).sslMode(server.sslMode());
        if (server.password() != null) {
            b.password(server.password());
        }
        return b;
    }

    public boolean isContainer() {
        return container;
    }

    /** A fresh name for a schema, database or application_name: {@code prefix_xxxxxx}. */
    public static String uniqueName(String prefix) {
        String chars = "abcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder sb = new StringBuilder(prefix.toLowerCase(Locale.ROOT)).append('_');
        for (int i = 0; i < 6; i++) {
            sb.append(chars.charAt(ThreadLocalRandom.current().nextInt(chars.length())));
        }
        return sb.toString();
    }

    private PostgresqlConnectionFactory adminFactory(String database) {
        PostgresqlConnectionConfiguration.Builder b = PostgresqlConnectionConfiguration.builder()
                .host(server.host()).port(server.port()).username(server.user()).database(database)
                .applicationName("sluice-test-admin").connectTimeout(Duration.ofSeconds(5))
                .sslMode(io.r2dbc.postgresql.client.SSLMode.fromValue(
                        server.sslMode() == SslMode.PREFER ? "prefer" : server.sslMode().libpqName()));
        if (server.password() != null) {
            b.password(server.password());
        }
        return new PostgresqlConnectionFactory(b.build());
    }

    private <T> List<T> withAdmin(Function<PostgresqlConnection, Flux<T>> work) {
        return Flux.usingWhen(adminFactory(server.database()).create(), work, PostgresqlConnection::close)
                .collectList()
                .block(Duration.ofSeconds(60));
    }

    /** Runs SQL as the superuser on the fixture's database (blocking; tests only). */
    public void execute(String sql) {
        withAdmin(c -> c.createStatement(sql).execute().flatMap(r -> r.getRowsUpdated()).thenMany(Flux.<Long>empty()));
    }

    public <T> List<T> query(String sql, Function<Readable, T> mapper) {
        return withAdmin(c -> c.createStatement(sql).execute().flatMap(r -> r.map(mapper)));
    }

    public <T> T queryOne(String sql, Function<Readable, T> mapper) {
        List<T> rows = query(sql, mapper);
        if (rows.size() != 1) {
            throw new IllegalStateException("expected one row from " + sql + ", got " + rows.size());
        }
        return rows.get(0);
    }

    /** The server's current value of a setting, as {@code SHOW} prints it. */
    public String setting(String name) {
        return queryOne("SHOW " + name, r -> r.get(0, String.class));
    }

    /** Client backends on the server with this {@code application_name}. */
    public int backends(String applicationName) {
        return queryOne("SELECT count(*)::int FROM pg_stat_activity WHERE application_name = '"
                + applicationName.replace("'", "''") + "'", r -> r.get(0, Integer.class));
    }

    /**
     * Backends with this {@code application_name} that are inside a transaction or running a statement, other than
     * the lanes' own health probe (it runs now and then on a lane's connection, outside any transaction, for a few
     * milliseconds: not the work of a test; two tests' "nothing left running" checks caught it mid-probe).
     */
    public int busyBackends(String applicationName) {
        return queryOne("SELECT count(*)::int FROM pg_stat_activity WHERE application_name = '"
                + applicationName.replace("'", "''") + "' AND state <> 'idle' AND NOT (state = 'active' AND query LIKE "
                + "'SELECT current_setting(''max_connections'')::int, current_setting(''superuser_reserved_connections'')%')",
                r -> r.get(0, Integer.class));
    }

    /** Terminates every backend with this {@code application_name}; returns how many. */
    public int terminate(String applicationName) {
        return queryOne("SELECT count(pg_terminate_backend(pid))::int FROM pg_stat_activity WHERE application_name = '"
                + applicationName.replace("'", "''") + "'", r -> r.get(0, Integer.class));
    }

    /** Waits up to {@code timeout} until {@code backends(applicationName) == expected}; returns the last count. */
    public int awaitBackends(String applicationName, int expected, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int n;
        while ((n = backends(applicationName)) != expected && System.nanoTime() < deadline) {
            Mono.delay(Duration.ofMillis(50)).block();
        }
        return n;
    }

    public String describe() {
        return server.describe() + " from " + source;
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
