package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.fail;

import io.r2dbc.postgresql.api.ErrorDetails;
import io.r2dbc.postgresql.api.PostgresqlException;
import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.Result;
import io.sluice.Database;
import io.sluice.IntegrityViolationException;
import io.sluice.Lane;
import io.sluice.SluiceException;
import io.sluice.testing.TestLanes;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Bind values appear nowhere in what Sluice hands out — message, cause chain, printed stack trace — for the
 * errors whose server text holds them; and r2dbc-postgresql's loggers print them exactly where the README says:
 * at DEBUG in {@code io.r2dbc.postgresql.PARAM} and {@code io.r2dbc.postgresql.client.ReactorNettyClient}, and
 * nowhere once those two are at INFO, even with every other logger at TRACE.
 *
 * <p>The logging tests run the statements in a JVM of their own: the driver reads those loggers' DEBUG flag once,
 * when its classes load, so the levels cannot be changed in a JVM where other tests already used it.
 */
class BindValuesNeverLoggedTest {

    private static final Lane LANE = Lane.INTERACTIVE;
    private static final String TAKEN = "s3cr3t-taken@example.com";

    /**
     * A statement that the server rejects because of its bound value, and where the server's error holds that
     * value: in the message ({@code inMessage}) or only in DETAIL or WHERE.
     */
    record Case(String sqlState, String sql, String value, @Nullable String constraint, boolean inMessage) {
        @Override
        public String toString() {
            return sqlState + " " + sql;
        }
    }

    static final List<Case> CASES = List.of(
            new Case("22P02", "SELECT $1::int", "s3cr3t-not-a-number", null, true),
            new Case("22003", "SELECT $1::int", "98765432101", null, true),
            new Case("22P02", "SELECT $1::jsonb", "{s3cr3tjson", null, false),
            new Case("23505", "INSERT INTO account (email, pin) VALUES ($1, '1')", TAKEN, "account_email_key", false),
            new Case("23502", "INSERT INTO account (email, pin) VALUES ($1, NULL)", "s3cr3t-no-pin@example.com", null, false),
            new Case("23514", "INSERT INTO account (email, pin) VALUES ('x@example.com', $1)", "s3cr3t-pin-far-too-long",
                    "account_pin_check", false),
            new Case("23503", "INSERT INTO card (owner) VALUES ($1)", "s3cr3t-nobody@example.com", "card_owner_fkey", false));

    private static TestLanes t;
    private static Lanes lanes;
    private static Database db;

    @BeforeAll
    static void start() {
        t = new TestLanes("redact");
        lanes = t.start(t.lane(LANE).maxSize(1).build());
        db = lanes.database();
        String s = t.schema();
        t.pg().execute("CREATE TABLE " + s + ".account (id serial PRIMARY KEY, email text UNIQUE, pin text NOT NULL "
                + "CHECK (length(pin) < 20)); CREATE TABLE " + s + ".card (owner text REFERENCES " + s + ".account (email)); "
                + "INSERT INTO " + s + ".account (email, pin) VALUES ('" + TAKEN + "', '1')");
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    static List<Case> cases() {
        return CASES;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void theDriversExceptionHoldsTheValueSluicesKeepsStateClassAndStackWithoutIt(Case c) {
        R2dbcException raw = rawFailure(c);
        // the server's behaviour the redaction relies on: class 22 quotes the value in the message, class 23 never
        ErrorDetails d = ((PostgresqlException) raw).getErrorDetails();
        assertThat(raw.getSqlState()).isEqualTo(c.sqlState());
        assertThat(raw.getMessage().contains(c.value())).as("the value in the message: %s", raw.getMessage()).isEqualTo(c.inMessage());
        assertThat(raw.getMessage() + " " + d.getDetail().orElse("") + " " + d.getWhere().orElse("")).contains(c.value());

        Throwable e = catchThrowable(() -> db.sql(LANE, c.sql()).bind(1, c.value()).rowsUpdated().block());

        assertThat(e).isInstanceOfSatisfying(SluiceException.class, s -> assertThat(s.sqlState()).isEqualTo(c.sqlState()));
        assertThat(printed(e))
                .doesNotContain(c.value()).doesNotContain("s3cr3t")
                .contains("(SQLSTATE " + c.sqlState() + ")")
                .contains("[" + c.sqlState() + "] " + raw.getClass().getName() + ": ")
                .contains("at io.r2dbc.postgresql.");
        assertThat(e.getCause()).isExactlyInstanceOf(raw.getClass().getSuperclass());
        assertThat(chain(e)).noneMatch(PostgresqlException.class::isInstance);
        if (c.sqlState().startsWith("23")) {
            assertThat(((IntegrityViolationException) e).constraint()).isEqualTo(c.constraint());
        }
    }

    @Test
    void withTheRecommendedLevelsNoValueIsPrintedEvenWithEveryOtherLoggerAtTrace(@TempDir Path dir) throws Exception {
        Output out = runElsewhere(dir, "-Dorg.slf4j.simpleLogger.defaultLogLevel=trace",
                "-Dorg.slf4j.simpleLogger.log.io.r2dbc.postgresql.PARAM=info",
                "-Dorg.slf4j.simpleLogger.log.io.r2dbc.postgresql.client.ReactorNettyClient=info");

        assertThat(out.log()).as("logging is on").contains("DEBUG io.r2dbc.postgresql.QUERY - ")
                .doesNotContain("bind values will be logged");
        for (Case c : CASES) {
            assertThat(out.log()).doesNotContain(c.value());
            assertThat(out.traces()).contains("(SQLSTATE " + c.sqlState() + ")").doesNotContain(c.value());
        }
    }

    @Test
    void atDebugTheDriversValueLoggersPrintValuesAndTheLanesSayWhichAtStart(@TempDir Path dir) throws Exception {
        Output out = runElsewhere(dir, "-Dorg.slf4j.simpleLogger.log.io.r2dbc.postgresql=debug");

        assertThat(out.log()).contains("WARN io.sluice.pool.DriverLogging - bind values will be logged: "
                + "io.r2dbc.postgresql.PARAM (prints every bind value) and io.r2dbc.postgresql.client.ReactorNettyClient");
        List<String> param = out.lines("DEBUG io.r2dbc.postgresql.PARAM - ");
        List<String> client = out.lines("DEBUG io.r2dbc.postgresql.client.ReactorNettyClient - ");
        for (Case c : CASES) {
            assertThat(param).anySatisfy(l -> assertThat(l).endsWith("Bind parameter [0] to: " + c.value()));
            assertThat(client).anySatisfy(l -> assertThat(l).contains("CODE=" + c.sqlState()).contains(c.value()));
            assertThat(out.traces()).doesNotContain(c.value());
        }
        assertThat(client).anySatisfy(l -> assertThat(l).contains("DETAIL=Key (email)=(" + TAKEN + ") already exists."));
        assertThat(client).anySatisfy(l -> assertThat(l).contains("DETAIL=Failing row contains (").contains("s3cr3t-no-pin@example.com"));
        List<String> query = out.lines("DEBUG io.r2dbc.postgresql.QUERY - ");
        assertThat(query).as("QUERY prints the SQL text only").isNotEmpty()
                .allSatisfy(l -> assertThat(l).doesNotContain("s3cr3t").doesNotContain("98765432101"));
    }

    /** What the driver's own exception says, run on a connection of the lane without Sluice's translation. */
    private static R2dbcException rawFailure(Case c) {
        Throwable e = catchThrowable(() -> Mono.usingWhen(lanes.lane(LANE).acquire(),
                conn -> Flux.from(conn.createStatement(c.sql()).bind(0, c.value()).execute()).flatMap(Result::getRowsUpdated).then(),
                conn -> lanes.lane(LANE).release(conn)).block());
        assertThat(e).isInstanceOf(PostgresqlException.class);
        return (R2dbcException) e;
    }

    private static String printed(Throwable e) {
        StringWriter w = new StringWriter();
        e.printStackTrace(new PrintWriter(w));
        return w.toString();
    }

    /** Every throwable reachable from {@code e} through causes and suppressed exceptions. */
    private static List<Throwable> chain(Throwable e) {
        List<Throwable> all = new ArrayList<>();
        Deque<Throwable> todo = new ArrayDeque<>(List.of(e));
        while (!todo.isEmpty()) {
            Throwable x = todo.pop();
            if (all.stream().noneMatch(y -> y == x)) {
                all.add(x);
                if (x.getCause() != null) {
                    todo.push(x.getCause());
                }
                todo.addAll(Arrays.asList(x.getSuppressed()));
            }
        }
        return all;
    }

    /** What {@link Elsewhere} wrote: its log (slf4j-simple, to stdout) and the stack traces it printed (stderr). */
    record Output(String log, String traces) {
        List<String> lines(String marker) {
            return log.lines().filter(l -> l.contains(marker)).toList();
        }
    }

    /** Runs {@link Elsewhere} in a new JVM with these system properties, on this class's schema. */
    private static Output runElsewhere(Path dir, String... properties) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                "-Dorg.slf4j.simpleLogger.logFile=System.out"));
        command.addAll(List.of(properties));
        command.addAll(List.of(Elsewhere.class.getName(), t.schema(), t.appName(LANE)));
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectOutput(dir.resolve("log.txt").toFile())
                .redirectError(dir.resolve("traces.txt").toFile());
        pb.environment().putAll(pgEnvironment(t.pg().server()));
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("the JVM running the statements did not finish in 120 s");
        }
        Output out = new Output(Files.readString(dir.resolve("log.txt"), StandardCharsets.UTF_8),
                Files.readString(dir.resolve("traces.txt"), StandardCharsets.UTF_8));
        assertThat(p.exitValue()).as("exit status; stderr:%n%s", out.traces()).isZero();
        assertThat(out.traces()).endsWith("DONE" + System.lineSeparator());
        return out;
    }

    private static Map<String, String> pgEnvironment(ServerConfig s) {
        Map<String, String> env = new HashMap<>();
        env.put("PGHOST", s.host());
        env.put("PGPORT", String.valueOf(s.port()));
        env.put("PGUSER", s.user());
        env.put("PGDATABASE", s.database());
        env.put("PGSSLMODE", s.sslMode().libpqName());
        if (s.password() != null) {
            env.put("PGPASSWORD", s.password());
        }
        if (s.sslRootCert() != null) {
            env.put("PGSSLROOTCERT", s.sslRootCert().toString());
        }
        return env;
    }

    /**
     * Starts lanes on the server the {@code PG*} variables name, with {@code search_path} the schema given,
     * runs every {@link #CASES case} through the Database facade, and prints each failure's stack trace to
     * stderr, then {@code DONE}.
     */
    static final class Elsewhere {
        public static void main(String[] args) {
            Lanes lanes = Lanes.builder(ServerConfig.fromEnvironment().build())
                    .lane(LaneConfig.builder(LANE).maxSize(1).applicationName(args[1]).sessionSetting("search_path", args[0]).build())
                    .build().start().block();
            try {
                for (Case c : CASES) {
                    try {
                        lanes.database().sql(LANE, c.sql()).bind(1, c.value()).rowsUpdated().block();
                        System.err.println("no error for " + c.sqlState());
                    } catch (RuntimeException e) {
                        e.printStackTrace();
                    }
                }
            } finally {
                lanes.close();
            }
            System.err.println("DONE");
        }
    }
}
