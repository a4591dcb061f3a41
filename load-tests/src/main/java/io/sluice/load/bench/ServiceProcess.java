package io.sluice.load.bench;

import io.sluice.pool.ServerConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The example service ({@code examples/target/sluice-examples.jar}, or {@code SLUICE_EXAMPLES_JAR}) run as a
 * process of its own for the {@code http} scenario, on a free port, against the harness's server (passed as the
 * {@code PG*} variables), in a schema of its own; stopped with SIGTERM, so it shuts down as in production
 * (graceful: requests finish, then the lanes drain).
 */
final class ServiceProcess implements AutoCloseable {

    private final Process process;
    final String baseUrl;
    final Path log;

    private ServiceProcess(Process process, String baseUrl, Path log) {
        this.process = process;
        this.baseUrl = baseUrl;
        this.log = log;
    }

    static Path jar() {
        Path jar = Path.of(System.getenv().getOrDefault("SLUICE_EXAMPLES_JAR", "examples/target/sluice-examples.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("the http scenario runs the example service from " + jar.toAbsolutePath()
                    + ", which is missing: build it with ./mvnw -pl examples -am package -DskipTests (or set SLUICE_EXAMPLES_JAR, "
                    + "or SLUICE_HTTP_TARGET to measure a running service)");
        }
        return jar;
    }

    /** Starts the service with {@code args} ({@code --name=value}) and waits until it is ready. */
    static ServiceProcess start(ServerConfig server, List<String> args, Path logDir) throws IOException, InterruptedException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms512m", "-Xmx512m", "-jar", jar().toString(), "--server.port=" + port, "--spring.main.banner-mode=off"));
        command.addAll(args);
        Files.createDirectories(logDir);
        Path log = Files.createTempFile(logDir, "service-", ".log");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.put("PGHOST", server.host());
        env.put("PGPORT", Integer.toString(server.port()));
        env.put("PGUSER", server.user());
        env.put("PGDATABASE", server.database());
        if (server.password() != null) {
            env.put("PGPASSWORD", server.password());
        }
        ServiceProcess service = new ServiceProcess(pb.start(), "http://127.0.0.1:" + port, log);
        service.awaitReady(Duration.ofSeconds(120));
        return service;
    }

    private void awaitReady(Duration timeout) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the service exited with status " + process.exitValue() + "; its log: " + log);
            }
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/actuator/health/readiness"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        close();
        throw new IllegalStateException("the service did not become ready within " + timeout + "; its log: " + log);
    }

    /** SIGTERM, then up to 60 s for the graceful shutdown; killed after that. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
