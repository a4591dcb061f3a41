package io.sluice.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A PgBouncer process in transaction mode in front of one PostgreSQL, on a free port of 127.0.0.1, from a
 * configuration generated in a temporary directory: auth trust with a generated userlist (the server must
 * trust the role too), {@code ignore_startup_parameters = extra_float_digits} (the driver always sends it),
 * {@code serverPoolSize} server connections per database and user. Found as {@code pgbouncer} on the PATH,
 * in {@code /usr/sbin}, or at {@code SLUICE_PGBOUNCER}. Run as root, it switches to the {@code postgres}
 * user (PgBouncer refuses to run as root). {@link #close()} stops it and deletes the directory.
 */
public final class PgBouncer implements AutoCloseable {

    private final int port;
    private final Process process;
    private final Path dir;

    private PgBouncer(int port, Process process, Path dir) {
        this.port = port;
        this.process = process;
        this.dir = dir;
    }

    /**
     * Starts one in front of {@code host:port} for {@code user}; {@code connectQuery}, when not null, runs on each
     * new server connection (e.g. {@code SET search_path = s}: what PgBouncer, not the client, sets per database).
     */
    public static PgBouncer start(String host, int port, String user, int serverPoolSize, String connectQuery) {
        return start(host, port, user, null, serverPoolSize, connectQuery);
    }

    /** As {@link #start(String, int, String, int, String)}, logging in to the server with {@code password} when not null. */
    public static PgBouncer start(String host, int port, String user, String password, int serverPoolSize, String connectQuery) {
        String exe = executable();
        try {
            Path dir = Files.createTempDirectory("sluice-pgbouncer");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            int listen = freePort();
            Path users = dir.resolve("userlist.txt");
            String secret = password == null ? "" : password.replace("\"", "\"\"");
            Files.writeString(users, "\"" + user + "\" \"" + secret + "\"\n\"postgres\" \"\"\n");
            if (password != null) {
                Files.setPosixFilePermissions(users, PosixFilePermissions.fromString("rw-r-----"));
            }
            List<String> ini = new ArrayList<>(List.of(
                    "[databases]",
                    "* = host=" + host + " port=" + port + (connectQuery == null ? "" : " connect_query='" + connectQuery + "'"),
                    "[pgbouncer]",
                    "listen_addr = 127.0.0.1",
                    "listen_port = " + listen,
                    "unix_socket_dir =",
                    "auth_type = trust",
                    "auth_file = " + users,
                    "admin_users = " + user,
                    "stats_users = " + user,
                    "pool_mode = transaction",
                    "default_pool_size = " + serverPoolSize,
                    "reserve_pool_size = 0",
                    "max_client_conn = 500",
                    "ignore_startup_parameters = extra_float_digits",
                    "query_wait_timeout = 30"));
            if (isRoot()) {
                ini.add("user = postgres");
            }
            Path conf = dir.resolve("pgbouncer.ini");
            Files.writeString(conf, String.join("\n", ini) + "\n", StandardCharsets.UTF_8);
            Process p = new ProcessBuilder(List.of(exe, conf.toString()))
                    .redirectErrorStream(true).redirectOutput(dir.resolve("pgbouncer.log").toFile()).start();
            PgBouncer b = new PgBouncer(listen, p, dir);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!listening(listen)) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    String log = b.log();
                    b.close();
                    throw new IllegalStateException("PgBouncer (" + exe + ") did not start on port " + listen + ": " + log);
                }
                Thread.sleep(50);
            }
            return b;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start PgBouncer", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The port it listens on, on 127.0.0.1. */
    public int port() {
        return port;
    }

    /** Its log so far, for messages. */
    public String log() {
        try {
            return Files.readString(dir.resolve("pgbouncer.log"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory; the OS cleans it eventually
        }
    }

    static String executable() {
        String configured = System.getenv("SLUICE_PGBOUNCER");
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        for (String d : (System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/usr/local/sbin").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, "pgbouncer"))) {
                return Path.of(d, "pgbouncer").toString();
            }
        }
        throw new IllegalStateException("PgBouncer (1.18 or later) is needed and none was found on the PATH or in /usr/sbin. "
                + "Install it (Debian/Ubuntu: apt-get install pgbouncer; .ci/run does this when it is missing) "
                + "or set SLUICE_PGBOUNCER to its path.");
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
