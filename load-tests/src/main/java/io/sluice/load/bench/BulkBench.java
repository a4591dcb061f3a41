package io.sluice.load.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.Batch;
import io.sluice.Database;
import io.sluice.Lane;
import io.sluice.load.Settings;
import io.sluice.pool.LaneConfig;
import io.sluice.pool.Lanes;
import io.sluice.pool.ServerConfig;
import java.io.BufferedWriter;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Scenario {@code bulk}: rows per second into one table, one writer, by each way Sluice offers — row by row
 * (a unit of work per row, each committed), a batch ({@code Statement.add}, 1,000 rows per batch and
 * transaction), a multi-row insert ({@code insertRows}) and {@code COPY FROM STDIN} ({@code copyIn}) — against
 * {@code psql \copy} of the same rows from a file, the server's practical limit. Targets: batched at least
 * 10x row by row; COPY at least 0.8x psql.
 */
final class BulkBench {

    static final String TABLE = "bulk_rows";
    static final int BATCH = 1_000;
    /** Row by row is slow by design: it gets this many rows or 5 s, whichever ends first. */
    static final int ROW_BY_ROW_MAX = 5_000;

    private final Settings s;
    private final PrintStream out;
    private final ServerConfig server;
    private final int rows;

    BulkBench(Settings s, PrintStream out) {
        this.s = s;
        this.out = out;
        this.server = s.server();
        this.rows = (int) Math.max(10_000, Math.min(s.rows(), 200_000));
    }

    private static List<Object> row(long i) {
        return List.of(i, "row " + i + " of the bulk benchmark", (int) (i % 1000));
    }

    boolean run() throws Exception {
        out.println("sluice-load bulk against " + server.describe() + ": " + rows + " rows per method (row by row: up to "
                + ROW_BY_ROW_MAX + " rows or 5 s), " + s.rounds() + " round(s)");
        String schema = s.schema();
        try (Connection admin = Bench.admin(server); Statement st = admin.createStatement()) {
            st.execute("CREATE SCHEMA IF NOT EXISTS " + schema);
            st.execute("DROP TABLE IF EXISTS " + schema + "." + TABLE);
            st.execute("CREATE TABLE " + schema + "." + TABLE + " (id bigint NOT NULL, v text NOT NULL, score int NOT NULL)");
        }
        Path file = Files.createTempFile("sluice-bulk", ".tsv");
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (long i = 1; i <= rows; i++) {
                List<Object> r = row(i);
                w.write(r.get(0) + "\t" + r.get(1) + "\t" + r.get(2) + "\n");
            }
        }
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        for (String m : List.of("row-by-row", "batch", "multi-row", "copy", "psql-copy")) {
            rates.put(m, new ArrayList<>());
        }
        Lanes lanes = Lanes.builder(server).checkBudget(false).meterRegistry(new SimpleMeterRegistry())
                .lane(LaneConfig.builder(Lane.BACKGROUND).maxSize(1).applicationName("sluice-bench-bulk")
                        .sessionSetting("search_path", schema).build())
                .build().start().block(Duration.ofMinutes(1));
        try {
            Database db = lanes.database();
            for (int round = 1; round <= s.rounds(); round++) {
                rates.get("row-by-row").add(measure(db, "row-by-row", () -> rowByRow(db)));
                rates.get("batch").add(measure(db, "batch", () -> batched(db)));
                rates.get("multi-row").add(measure(db, "multi-row", () -> db.insertRows(Lane.BACKGROUND, TABLE, List.of("id", "v", "score"),
                        Flux.range(1, rows).map(i -> row(i))).block()));
                rates.get("copy").add(measure(db, "copy", () -> db.copyIn(Lane.BACKGROUND, TABLE, List.of("id", "v", "score"),
                        Flux.range(1, rows).map(i -> row(i))).block()));
                rates.get("psql-copy").add(measure(db, "psql-copy", () -> psqlCopy(file, schema)));
            }
        } finally {
            lanes.close();
            Files.deleteIfExists(file);
        }
        out.printf("%n%-12s %14s   %s%n", "method", "rows/s", "rounds");
        Map<String, Object> figures = new LinkedHashMap<>();
        for (Map.Entry<String, List<Double>> e : rates.entrySet()) {
            out.printf("%-12s %14s   %s%n", e.getKey(), Bench.fmt(Bench.median(e.getValue())),
                    e.getValue().stream().map(Bench::fmt).toList());
            figures.put(e.getKey(), Map.of("rowsPerSecond", Math.round(Bench.median(e.getValue())), "rounds", e.getValue()));
        }
        double batchRatio = Bench.median(rates.get("batch")) / Bench.median(rates.get("row-by-row"));
        double copyRatio = Bench.median(rates.get("copy")) / Bench.median(rates.get("psql-copy"));
        double multiRatio = Bench.median(rates.get("multi-row")) / Bench.median(rates.get("row-by-row"));
        figures.put("batchVsRowByRow", batchRatio);
        figures.put("multiRowVsRowByRow", multiRatio);
        figures.put("copyVsPsql", copyRatio);
        return Bench.finish(s, out, "bulk", figures, List.of(
                new Bench.Verdict("batched-vs-row-by-row", "batched inserts at least 10x row by row", batchRatio >= 10,
                        Bench.fmt(batchRatio) + "x", ">= 10x"),
                new Bench.Verdict("copy-vs-psql", "COPY through Sluice at least 0.8x psql \\copy of the same rows", copyRatio >= 0.8,
                        Bench.fmt(copyRatio) + "x", ">= 0.8x")));
    }

    /** Empties the table, runs {@code work}, and gives the rows per second it reached. */
    private double measure(Database db, String name, ThrowingSupplier work) throws Exception {
        db.sql(Lane.BACKGROUND, "TRUNCATE " + TABLE).rowsUpdated().block();
        long start = System.nanoTime();
        work.get();
        double secs = (System.nanoTime() - start) / 1e9;
        long n = db.sql(Lane.BACKGROUND, "SELECT count(*) FROM " + TABLE).map(r -> r.get(0, Long.class)).one().block();
        double rate = n / secs;
        out.printf("  %-12s %9d rows in %6.2f s: %10s rows/s%n", name, n, secs, Bench.fmt(rate));
        return rate;
    }

    interface ThrowingSupplier {
        Object get() throws Exception;
    }

    private Object rowByRow(Database db) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (long i = 1; i <= ROW_BY_ROW_MAX && System.nanoTime() < end; i++) {
            List<Object> r = row(i);
            db.sql(Lane.BACKGROUND, "INSERT INTO " + TABLE + " (id, v, score) VALUES ($1, $2, $3)")
                    .bind(1, r.get(0)).bind(2, r.get(1)).bind(3, r.get(2)).rowsUpdated().block();
        }
        return null;
    }

    private Object batched(Database db) {
        return Flux.range(0, (rows + BATCH - 1) / BATCH).concatMap(b -> {
            Batch batch = db.batch(Lane.BACKGROUND);
            for (long i = (long) b * BATCH + 1; i <= Math.min(rows, (long) (b + 1) * BATCH); i++) {
                batch.add("INSERT INTO " + TABLE + " (id, v, score) VALUES ($1, $2, $3)", row(i).toArray());
            }
            return batch.execute();
        }).then(Mono.empty()).block();
    }

    private Object psqlCopy(Path file, String schema) throws Exception {
        List<String> cmd = List.of("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", server.host(), "-p", String.valueOf(server.port()),
                "-U", server.user(), "-d", server.database(),
                "-c", "\\copy " + schema + "." + TABLE + " (id, v, score) FROM '" + file + "'");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (server.password() != null) {
            pb.environment().put("PGPASSWORD", server.password());
        }
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("psql \\copy failed (is psql on the PATH? Debian: postgresql-client): " + output);
        }
        return null;
    }
}
