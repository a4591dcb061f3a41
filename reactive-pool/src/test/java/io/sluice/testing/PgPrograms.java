package io.sluice.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * PostgreSQL's server programs ({@code initdb}, {@code pg_ctl}, {@code pg_basebackup}) for the fixtures that make
 * clusters of their own ({@link PrivateCluster}, {@link ReplicationCluster}): where they are, and running them —
 * as the {@code postgres} user when this JVM is root, since PostgreSQL refuses to run as root.
 */
final class PgPrograms {

    private PgPrograms() {
    }

    /**
     * The directory holding the server programs: {@code SLUICE_PG_BIN}, else {@code pg_config --bindir}, else the
     * newest {@code /usr/lib/postgresql/<version>/bin}; fails saying how to provide them.
     */
    static Path binaries() {
        String env = System.getenv("SLUICE_PG_BIN");
        List<Path> candidates = new ArrayList<>();
        if (env != null && !env.isBlank()) {
            candidates.add(Path.of(env));
        }
        try {
            Process p = new ProcessBuilder("pg_config", "--bindir").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.waitFor() == 0 && !out.isEmpty()) {
                candidates.add(Path.of(out));
            }
        } catch (IOException | InterruptedException e) {
            // not installed: the next candidates
        }
        Path debian = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(debian)) {
            try (Stream<Path> versions = Files.list(debian)) {
                versions.sorted(Comparator.comparing((Path v) -> v.getFileName().toString().length())
                        .thenComparing(v -> v.getFileName().toString()).reversed())
                        .forEach(v -> candidates.add(v.resolve("bin")));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        for (Path c : candidates) {
            if (Files.isExecutable(c.resolve("initdb")) && Files.isExecutable(c.resolve("pg_basebackup"))
                    && Files.isExecutable(c.resolve("pg_ctl"))) {
                return c;
            }
        }
        throw new IllegalStateException("PostgreSQL's server programs (initdb, pg_ctl, pg_basebackup) are needed to create a "
                + "cluster of the test's own and none were found in " + candidates + ". Install them (Debian: apt-get install "
                + "postgresql; .ci/run does) or point SLUICE_PG_BIN at their directory");
    }

    /** Runs {@code command} as the {@code postgres} user when this JVM is root, else as itself. */
    static void asPostgres(List<String> command, Duration timeout) {
        List<String> cmd = new ArrayList<>();
        if (PgBouncer.isRoot()) {
            cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        cmd.addAll(command);
        run(cmd, timeout);
    }

    /** Runs {@code cmd} within {@code timeout}; fails with its output when it does not exit 0. */
    static void run(List<String> cmd, Duration timeout) {
        try {
            // output to a file, not a pipe: a program that keeps the pipe open (a server it started) cannot stall the wait
            Path out = Files.createTempFile("sluice-pg-cmd", ".log");
            try {
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    throw new IllegalStateException(String.join(" ", cmd) + " did not finish within " + timeout);
                }
                if (p.exitValue() != 0) {
                    throw new IllegalStateException(String.join(" ", cmd) + " failed (exit " + p.exitValue() + "): "
                            + Files.readString(out));
                }
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(String.join(" ", cmd) + " could not run", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
