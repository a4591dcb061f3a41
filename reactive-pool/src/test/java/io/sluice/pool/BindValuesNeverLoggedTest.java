package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.r2dbc.postgresql.api.ErrorDetails;
import io.r2dbc.postgresql.api.PostgresqlException;
import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.Result;
import io.sluice.Database;
import io.sluice.IntegrityViolationException;
import io.sluice.Lane;
import io.sluice.SluiceException;
import io.sluice.testing.TestLanes;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Bind values appear nowhere in what Sluice hands out — message, cause chain, printed stack trace — for the
 * errors whose server text holds them.
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

    /** What the driver's own exception says, run on a connection of the lane without Sluice's translation. */
    private static R2dbcException rawFailure(Case c) {
        Throwable e = catchThrowable(() -> Mono.usingWhen(lanes.acquire(LANE),
                conn -> Flux.from(conn.createStatement(c.sql()).bind(0, c.value()).execute()).flatMap(Result::getRowsUpdated).then(),
                conn -> lanes.release(LANE, conn)).block());
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
}
