package io.sluice.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.List;

/**
 * A PostgreSQL cluster of its own in a temporary directory, on a free port of 127.0.0.1, so that a scenario
 * may exhaust its {@code max_connections} without touching a shared server: {@code initdb} (trust auth, the
 * given role as bootstrap superuser) and {@code pg_ctl}, found by {@link PgPrograms#binaries()}. Run as root, the server runs as the {@code postgres} user
 * (PostgreSQL refuses root). {@link #close()} stops it and deletes the directory.
 */
public final class PrivateCluster implements AutoCloseable {

    private final Path bin;
    private final Path dir;
    private final int port;
    private final String superuser;

    private PrivateCluster(Path bin, Path dir, int port, String superuser) {
        this.bin = bin;
        this.dir = dir;
        this.port = port;
        this.superuser = superuser;
    }

    /** Creates and starts a cluster with this {@code max_connections}; {@code superuser} is the role to connect as. */
    public static PrivateCluster start(String superuser, int maxConnections) {
        Path bin = PgPrograms.binaries();
        try {
            Path dir = Files.createTempDirectory("sluice-cluster");
            if (PgBouncer.isRoot()) {
                UserPrincipal postgres = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
                Files.setOwner(dir, postgres);
            }
            PrivateCluster c = new PrivateCluster(bin, dir, PgBouncer.freePort(), superuser);
            c.run(List.of(bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-U", superuser,
                    "--auth=trust", "-E", "UTF8", "--no-sync"), 120);
            c.run(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-l", dir.resolve("server.log").toString(),
                    "-w", "-t", "60", "-o", "-p " + c.port + " -c listen_addresses=127.0.0.1 -c unix_socket_directories=" + dir
                            + " -c max_connections=" + maxConnections + " -c superuser_reserved_connections=3"
                            + " -c shared_buffers=32MB -c fsync=off -c synchronous_commit=off", "start"), 90);
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException("could not create a PostgreSQL cluster", e);
        }
    }

    public int port() {
        return port;
    }

    public String host() {
        return "127.0.0.1";
    }

    /** The bootstrap superuser, who may connect without a password. */
    public String superuser() {
        return superuser;
    }

    /** The database initdb created. */
    public String database() {
        return "postgres";
    }

    @Override
    public void close() {
        try {
            run(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "immediate", "-w", "stop"), 60);
        } catch (RuntimeException e) {
            // already stopped; the directory goes anyway
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory; the OS cleans it eventually
        }
    }

    private void run(List<String> command, int timeoutSeconds) {
        PgPrograms.asPostgres(command, java.time.Duration.ofSeconds(timeoutSeconds));
    }
}
