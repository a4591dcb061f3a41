package io.sluice.testing;

import io.sluice.pool.PoolerMode;
import io.sluice.pool.ServerConfig;
import io.sluice.pool.SslMode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * A real PgBouncer in transaction mode in front of the tests' PostgreSQL ({@link PostgresFixture}), started
 * once per JVM on a free port from a generated configuration in a temporary directory (auth trust with a
 * generated userlist, {@code ignore_startup_parameters = extra_float_digits}, 5 server connections per
 * database and user) and stopped when the JVM exits. Found as {@code pgbouncer} on the PATH, in
 * {@code /usr/sbin}, or at {@code SLUICE_PGBOUNCER}. When there is none, every test that needs it fails
 * saying how to install it: a test never skips silently.
 */
public final class PgBouncerFixture {

    /** Server connections PgBouncer opens per database and user: what all lanes of a test share. */
    public static final int SERVER_POOL_SIZE = 5;

    private static volatile PgBouncerFixture instance;

    private final PostgresFixture pg;
    private final int port;
    private final Process process;
    private final Path dir;

    private PgBouncerFixture(PostgresFixture pg, int port, Process process, Path dir) {
        this.pg = pg;
        this.port = port;
        this.process = process;
        this.dir = dir;
    }

    public static synchronized PgBouncerFixture get() {
        if (instance == null) {
            instance = start(PostgresFixture.get());
        }
        return instance;
    }

    /** The port PgBouncer listens on (127.0.0.1). */
    public int port() {
        return port;
    }

    /** A server configuration through PgBouncer, declared as a pooler in transaction mode. */
    public ServerConfig.Builder server() {
        return direct().pooler(PoolerMode.TRANSACTION);
    }

    /** A server configuration through PgBouncer that does not say it is one (what a user gets by default). */
    public ServerConfig.Builder direct() {
        ServerConfig s = pg.server();
        return ServerConfig.builder().host("127.0.0.1").port(port).user(s.user()).database(s.database())
                .sslMode(SslMode.DISABLE);
    }

    /** PgBouncer's log so far, for assertion messages. */
    public String log() {
        try {
            return Files.readString(dir.resolve("pgbouncer.log"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static String executable() {
        String configured = System.getenv("SLUICE_PGBOUNCER");
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        for (String dir : (System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/usr/local/sbin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "pgbouncer"))) {
                return Path.of(dir, "pgbouncer").toString();
            }
        }
        throw new IllegalStateException("The pooler tests need PgBouncer (1.18 or later) and none was found on the PATH or "
                + "in /usr/sbin. Install it (Debian/Ubuntu: apt-get install pgbouncer; .ci/run does this when it is missing) "
                + "or set SLUICE_PGBOUNCER to its path.");
    }

    private static PgBouncerFixture start(PostgresFixture pg) {
        String exe = executable();
        try {
            Path dir = Files.createTempDirectory("sluice-pgbouncer");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            int port = freePort();
            ServerConfig s = pg.server();
            String user = s.user();
            Path users = dir.resolve("userlist.txt");
            Files.writeString(users, "\"" + user + "\" \"\"\n\"postgres\" \"\"\n");
            String ini = String.join("\n",
                    "[databases]",
                    "* = host=" + s.host() + " port=" + s.port(),
                    "[pgbouncer]",
                    "listen_addr = 127.0.0.1",
                    "listen_port = " + port,
                    "unix_socket_dir =",
                    "auth_type = trust",
                    "auth_file = " + users,
                    "admin_users = " + user,
                    "stats_users = " + user,
                    "pool_mode = transaction",
                    "default_pool_size = " + SERVER_POOL_SIZE,
                    "reserve_pool_size = 0",
                    "max_client_conn = 200",
                    "ignore_startup_parameters = extra_float_digits",
                    "server_lifetime = 300",
                    "query_wait_timeout = 30",
                    // PgBouncer refuses to run as root; as root it switches to this user after start-up
                    isRoot() ? "user = postgres" : "",
                    "") + "\n";
            Path conf = dir.resolve("pgbouncer.ini");
            Files.writeString(conf, ini, StandardCharsets.UTF_8);
            Process p = new ProcessBuilder(List.of(exe, conf.toString()))
                    .redirectErrorStream(true).redirectOutput(dir.resolve("pgbouncer.log").toFile()).start();
            PgBouncerFixture f = new PgBouncerFixture(pg, port, p, dir);
            Runtime.getRuntime().addShutdownHook(new Thread(f::stop, "pgbouncer-stop"));
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!listening(port)) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    f.stop();
                    throw new IllegalStateException("PgBouncer (" + exe + ") did not start on port " + port + ": " + f.log());
                }
                Thread.sleep(50);
            }
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start PgBouncer", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void stop() {
        process.destroy();
        try {
            process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.destroyForcibly();
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
