package io.sluice.testing;

import io.r2dbc.postgresql.PostgresqlConnectionConfiguration;
import io.r2dbc.postgresql.PostgresqlConnectionFactory;
import io.r2dbc.postgresql.api.PostgresqlConnection;
import io.r2dbc.spi.Readable;
import io.sluice.pool.ServerConfig;
import io.sluice.pool.SslMode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import reactor.core.publisher.Flux;

/**
 * A primary and a streaming standby of their own, for replica and failover tests: two clusters in a
 * temporary directory on free ports, made with {@code initdb}, {@code pg_basebackup -R} and {@code pg_ctl}
 * (so the shared test server is left alone), stopped and deleted by {@link #close()}. Trust authentication
 * on 127.0.0.1 only, role {@code postgres}. Run as root, the binaries run as the {@code postgres} user
 * (initdb refuses root).
 *
 * <p>The binaries come from {@code SLUICE_PG_BIN}, else {@code pg_config --bindir}, else the newest
 * {@code /usr/lib/postgresql/N/bin}; when none is found the test fails saying how to install them.
 */
public final class ReplicationCluster implements AutoCloseable {

    private final Path bin;
    private final Path dir;
    private final int primaryPort;
    private final int standbyPort;
    private final Path primaryData;
    private final Path standbyData;

    private ReplicationCluster(Path bin, Path dir) throws IOException {
        this.bin = bin;
        this.dir = dir;
        this.primaryPort = PgBouncer.freePort();
        this.standbyPort = PgBouncer.freePort();
        this.primaryData = dir.resolve("primary");
        this.standbyData = dir.resolve("standby");
    }

    /** Creates both clusters and starts them; the standby streams from the primary when this returns. */
    public static ReplicationCluster start() {
        Path bin = PgPrograms.binaries();
        try {
            Path dir = Files.createTempDirectory("sluice-replication-");
            ReplicationCluster c = new ReplicationCluster(bin, dir);
            try {
                if (PgBouncer.isRoot()) {
                    PgPrograms.run(List.of("chown", "postgres", dir.toString()), Duration.ofSeconds(10));
                }
                c.pg("initdb", "-D", c.primaryData.toString(), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8");
                Files.writeString(c.primaryData.resolve("postgresql.conf"), "\nlisten_addresses = '127.0.0.1'\nport = "
                        + c.primaryPort + "\nunix_socket_directories = '" + dir + "'\nfsync = off\nmax_connections = 30\n"
                        + "shared_buffers = 16MB\nwal_level = replica\nmax_wal_senders = 5\n", java.nio.file.StandardOpenOption.APPEND);
                Files.writeString(c.primaryData.resolve("pg_hba.conf"), "\nhost replication all 127.0.0.1/32 trust\n",
                        java.nio.file.StandardOpenOption.APPEND);
                c.startPrimary();
                c.pg("pg_basebackup", "-h", "127.0.0.1", "-p", String.valueOf(c.primaryPort), "-U", "postgres",
                        "-D", c.standbyData.toString(), "-R", "-X", "stream", "-c", "fast");
                c.writeAsOwner(c.standbyData.resolve("postgresql.conf"), "\nport = " + c.standbyPort + "\n");
                c.startStandby();
                return c;
            } catch (RuntimeException | IOException e) {
                c.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public ServerConfig primary() {
        return server(primaryPort);
    }

    public ServerConfig standby() {
        return server(standbyPort);
    }

    public int primaryPort() {
        return primaryPort;
    }

    public int standbyPort() {
        return standbyPort;
    }

    public ServerConfig server(int port) {
        return ServerConfig.builder().host("127.0.0.1").port(port).user("postgres").database("postgres")
                .sslMode(SslMode.DISABLE).connectTimeout(Duration.ofSeconds(3)).build();
    }

    public void startPrimary() {
        pg("pg_ctl", "-D", primaryData.toString(), "-l", dir.resolve("primary.log").toString(), "-w", "start");
    }

    public void stopPrimary() {
        pg("pg_ctl", "-D", primaryData.toString(), "-m", "fast", "-w", "stop");
    }

    public void startStandby() {
        pg("pg_ctl", "-D", standbyData.toString(), "-l", dir.resolve("standby.log").toString(), "-w", "start");
    }

    public void stopStandby() {
        pg("pg_ctl", "-D", standbyData.toString(), "-m", "fast", "-w", "stop");
    }

    /** Promotes the standby to a primary and waits until it accepts writes. */
    public void promoteStandby() {
        pg("pg_ctl", "-D", standbyData.toString(), "-w", "promote");
    }

    /** Runs SQL on the server at {@code port} (blocking; tests only). */
    public void execute(int port, String sql) {
        on(port, c -> c.createStatement(sql).execute().flatMap(r -> r.getRowsUpdated()).thenMany(Flux.<Long>empty()));
    }

    public <T> T queryOne(int port, String sql, Function<Readable, T> mapper) {
        List<T> rows = on(port, c -> c.createStatement(sql).execute().flatMap(r -> r.map(mapper)));
        if (rows.size() != 1) {
            throw new IllegalStateException("expected one row from " + sql + ", got " + rows.size());
        }
        return rows.get(0);
    }

    /** Waits until the standby has replayed everything the primary has written now. */
    public void awaitReplayed() {
        String lsn = queryOne(primaryPort, "SELECT pg_current_wal_lsn()::text", r -> r.get(0, String.class));
        if (!Await.until(Duration.ofSeconds(20), () -> Boolean.TRUE.equals(queryOne(standbyPort,
                "SELECT pg_last_wal_replay_lsn() >= '" + lsn + "'::pg_lsn", r -> r.get(0, Boolean.class))))) {
            throw new IllegalStateException("the standby did not replay " + lsn + " within 20 s");
        }
    }

    private <T> List<T> on(int port, Function<PostgresqlConnection, Flux<T>> work) {
        PostgresqlConnectionFactory f = new PostgresqlConnectionFactory(PostgresqlConnectionConfiguration.builder()
                .host("127.0.0.1").port(port).username("postgres").database("postgres")
                .applicationName("sluice-test-admin").connectTimeout(Duration.ofSeconds(5)).build());
        return Flux.usingWhen(f.create(), work, PostgresqlConnection::close).collectList().block(Duration.ofSeconds(30));
    }

    @Override
    public void close() {
        for (Path data : List.of(standbyData, primaryData)) {
            if (Files.exists(data.resolve("postmaster.pid"))) {
                try {
                    pg("pg_ctl", "-D", data.toString(), "-m", "immediate", "-w", "stop");
                } catch (RuntimeException e) {
                    // deleted below either way
                }
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void writeAsOwner(Path file, String text) throws IOException {
        Files.writeString(file, text, java.nio.file.StandardOpenOption.APPEND);
    }

    /** Runs one of PostgreSQL's programs (as the postgres user when this JVM is root); fails with its output. */
    private void pg(String program, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(bin.resolve(program).toString());
        cmd.addAll(List.of(args));
        PgPrograms.asPostgres(cmd, Duration.ofSeconds(60));
    }

}
