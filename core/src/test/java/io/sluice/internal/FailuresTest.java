package io.sluice.internal;

import io.sluice.*;

import static org.assertj.core.api.Assertions.assertThat;

import io.r2dbc.spi.R2dbcBadGrammarException;
import io.r2dbc.spi.R2dbcDataIntegrityViolationException;
import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcTimeoutException;
import io.r2dbc.spi.R2dbcTransientResourceException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Driver and network errors become typed Sluice errors, classified by SQLSTATE, with the lane and cause kept. */
class FailuresTest {

    private static final Lane LANE = Lane.of("reports");
    private static final String SQL = "SELECT * FROM orders WHERE id = $1";

    static Stream<Arguments> bySqlState() {
        return Stream.of(
                Arguments.of("57P01", NON_TRANSIENT_RESOURCE, TransientConnectionException.class, FailureKind.CONNECTION_LOST, true),
                Arguments.of("08006", NON_TRANSIENT_RESOURCE, TransientConnectionException.class, FailureKind.CONNECTION_LOST, true),
                Arguments.of("08P01", NON_TRANSIENT_RESOURCE, ProtocolViolationException.class, FailureKind.PROTOCOL_VIOLATION, false),
                Arguments.of("53300", NON_TRANSIENT_RESOURCE, ConnectionUnavailableException.class, FailureKind.CONNECTION_UNAVAILABLE, true),
                Arguments.of("40001", NON_TRANSIENT_RESOURCE, SerializationFailureException.class, FailureKind.SERIALIZATION_FAILURE, true),
                Arguments.of("40P01", NON_TRANSIENT_RESOURCE, DeadlockException.class, FailureKind.DEADLOCK, true),
                Arguments.of("57014", NON_TRANSIENT_RESOURCE, QueryTimeoutException.class, FailureKind.QUERY_TIMEOUT, false),
                Arguments.of("23505", INTEGRITY, IntegrityViolationException.class, FailureKind.INTEGRITY_VIOLATION, false),
                Arguments.of("42P01", GRAMMAR, BadSqlException.class, FailureKind.BAD_SQL, false),
                Arguments.of("22P02", NON_TRANSIENT_RESOURCE, DatabaseException.class, FailureKind.OTHER, false),
                Arguments.of("XX000", NON_TRANSIENT_RESOURCE, DatabaseException.class, FailureKind.OTHER, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bySqlState")
    void classifiesDriverErrorsBySqlState(String state, Driver driver, Class<?> type, FailureKind kind, boolean transientFailure) {
        R2dbcException e = driver.make("the server said no", state);

        Throwable t = Failures.translate(LANE, e);

        assertThat(t).isExactlyInstanceOf(type);
        assertStandIn(t.getCause(), e);
        SluiceException s = (SluiceException) t;
        assertThat(s.kind()).isEqualTo(kind);
        assertThat(s.isTransient()).isEqualTo(transientFailure);
        assertThat(s.sqlState()).isEqualTo(state);
        assertThat(s.lane()).isEqualTo(LANE);
        assertThat(s.getMessage())
                .startsWith("[lane reports] ")
                .contains("the server said no (SQLSTATE " + state + ")")
                .contains(" in: " + SQL);
        assertThat(Failures.classify(e)).isEqualTo(kind);
    }

    @Test
    void saysWhatToTryAfterACancelledStatementOrAFullServer() {
        assertThat(Failures.translate(LANE, NON_TRANSIENT_RESOURCE.make("canceling statement due to statement timeout", "57014")))
                .hasMessageEndingWith(". Raise the timeout for this work or make the statement faster");
        assertThat(Failures.translate(LANE, NON_TRANSIENT_RESOURCE.make("sorry, too many clients already", "53300")))
                .hasMessageEndingWith(". Lower the lanes' maxSize or raise max_connections");
    }

    @Test
    void redactsQuotedValuesFromDataExceptionMessages() {
        R2dbcException e = NON_TRANSIENT_RESOURCE.make("invalid input syntax for type integer: \"4111-1111-1111-1111\"", "22P02");

        Throwable t = Failures.translate(LANE, e);

        assertThat(t.getMessage())
                .doesNotContain("4111")
                .contains("invalid input syntax for type integer: \"…\" (SQLSTATE 22P02)");
    }

    @Test
    void redactsAValueThatHoldsQuotesAndUndecodableBytes() {
        assertThat(Failures.translate(LANE, NON_TRANSIENT_RESOURCE.make("invalid input syntax for type integer: \"12\"34\"", "22P02"))
                .getMessage()).contains("invalid input syntax for type integer: \"…\" (SQLSTATE 22P02)").doesNotContain("34");
        assertThat(Failures.translate(LANE, NON_TRANSIENT_RESOURCE.make("value \"77777777777\" is out of range for type integer", "22003"))
                .getMessage()).contains("value \"…\" is out of range for type integer (SQLSTATE 22003)");
        assertThat(Failures.translate(LANE, NON_TRANSIENT_RESOURCE.make("invalid byte sequence for encoding \"UTF8\": 0xe2 0x82", "22021"))
                .getMessage()).contains("invalid byte sequence for encoding \"…\": … (SQLSTATE 22021)");
    }

    @Test
    void keepsNoBindValueAnywhereInTheCauseChainButKeepsStateClassAndStack() {
        String secret = "s3cr3t-4111";
        DriverError e = new DriverError("invalid input syntax for type integer: \"" + secret + "\"", "22P02",
                "Failing row contains (1, " + secret + ").",
                new R2dbcNonTransientResourceException("invalid input syntax for type uuid: \"" + secret + "\"", "22P02", 0, SQL,
                        new IOException("Connection reset by peer")));
        e.addSuppressed(new IllegalStateException(new R2dbcBadGrammarException("invalid input syntax for type date: \"" + secret + "\"", "22007")));
        assertThat(e.detail()).as("the driver's exception holds the value beside its message").contains(secret);
        Exception checkpoint = new Exception("Assembly trace from producer [reactor.core.publisher.MonoUsingWhen]");
        e.addSuppressed(checkpoint);

        Throwable t = Failures.translate(LANE, e);

        StringWriter printed = new StringWriter();
        t.printStackTrace(new PrintWriter(printed));
        assertThat(printed.toString())
                .doesNotContain(secret)
                .contains(DriverError.class.getName() + ": invalid input syntax for type integer: \"…\"")
                .contains("[22P02]")
                .contains("in: " + SQL)
                .contains("at io.sluice.internal.FailuresTest.keepsNoBindValueAnywhereInTheCauseChainButKeepsStateClassAndStack");
        for (Throwable x : chain(t)) {
            assertThat(String.valueOf(x)).doesNotContain(secret);
            assertThat(x).isNotInstanceOf(DriverError.class);
        }
        R2dbcException cause = (R2dbcException) t.getCause();
        assertThat(cause).isExactlyInstanceOf(R2dbcBadGrammarException.class);
        assertThat(cause.getSqlState()).isEqualTo("22P02");
        assertThat(cause.getSql()).isEqualTo(SQL);
        assertThat(cause.getStackTrace()).isEqualTo(e.getStackTrace());
        assertThat(cause.getCause()).isExactlyInstanceOf(R2dbcNonTransientResourceException.class)
                .hasMessage(R2dbcNonTransientResourceException.class.getName() + ": invalid input syntax for type uuid: \"…\"");
        assertThat(cause.getCause().getCause()).as("a network exception holds no value: kept as it is").isSameAs(e.getCause().getCause());
        assertThat(cause.getSuppressed()).hasSize(2);
        assertThat(cause.getSuppressed()[0]).as("a wrapper of a driver error: its message may repeat it")
                .hasMessage("java.lang.IllegalStateException (message withheld: it may quote a database error)")
                .hasCauseExactlyInstanceOf(R2dbcBadGrammarException.class);
        assertThat(cause.getSuppressed()[1]).isSameAs(checkpoint);
    }

    @Test
    void endsACycleOfSuppressedExceptions() {
        R2dbcException a = new R2dbcNonTransientResourceException("a", "22P02", 0, SQL);
        R2dbcException b = new R2dbcTransientResourceException("b", "08006", 0, SQL);
        a.addSuppressed(b);
        b.addSuppressed(a);

        Throwable cause = Failures.translate(LANE, a).getCause();

        assertThat(cause).hasMessageEndingWith(": a");
        assertThat(cause.getSuppressed()).singleElement()
                .satisfies(s -> assertThat(s).hasMessageEndingWith(": b"))
                .satisfies(s -> assertThat(s.getSuppressed()).isEmpty());
    }

    @Test
    void keepsQuotedNamesInMessagesOutsideClass22() {
        R2dbcException e = INTEGRITY.make("duplicate key value violates unique constraint \"users_email_key\"", "23505");

        assertThat(Failures.translate(LANE, e).getMessage()).contains("\"users_email_key\"");
    }

    static Stream<Arguments> withoutSqlState() {
        return Stream.of(
                Arguments.of(new R2dbcNonTransientResourceException("Connection closed"), TransientConnectionException.class,
                        FailureKind.CONNECTION_LOST, "[lane reports] connection lost: Connection closed"),
                Arguments.of(new R2dbcTransientResourceException("socket reset", ""), TransientConnectionException.class,
                        FailureKind.CONNECTION_LOST, "[lane reports] connection lost: socket reset"),
                Arguments.of(new R2dbcTimeoutException("Connection acquisition timed out after 2000ms"),
                        ConnectionUnavailableException.class, FailureKind.CONNECTION_UNAVAILABLE,
                        "[lane reports] timed out: Connection acquisition timed out after 2000ms"),
                Arguments.of(new R2dbcBadGrammarException("unexpected message", null, 0, SQL), DatabaseException.class,
                        FailureKind.OTHER, "[lane reports] database error: unexpected message in: " + SQL),
                Arguments.of(new IOException("Connection reset by peer"), TransientConnectionException.class,
                        FailureKind.CONNECTION_LOST, "[lane reports] connection lost: java.io.IOException: Connection reset by peer"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("withoutSqlState")
    void classifiesErrorsWithoutSqlStateByTheirType(Throwable e, Class<?> type, FailureKind kind, String message) {
        Throwable t = Failures.translate(LANE, e);

        assertThat(t).isExactlyInstanceOf(type).hasMessage(message);
        if (e instanceof R2dbcException r) {
            assertStandIn(t.getCause(), r);
        } else {
            assertThat(t).hasCause(e);
        }
        SluiceException s = (SluiceException) t;
        assertThat(s.kind()).isEqualTo(kind);
        assertThat(s.isTransient()).isEqualTo(kind.isTransient());
        assertThat(s.sqlState()).isNull();
        assertThat(Failures.classify(e)).isEqualTo(kind);
    }

    @Test
    void passesUserErrorsThroughUnchanged() {
        IllegalStateException e = new IllegalStateException("the caller's own bug");

        assertThat(Failures.translate(LANE, e)).isSameAs(e);
        assertThat(Failures.classify(e)).isNull();
    }

    @Test
    void returnsSluiceErrorsAsTheyAre() {
        BindException e = new BindException("no such parameter", LANE);

        assertThat(Failures.translate(Lane.ADMIN, e)).isSameAs(e);
        assertThat(Failures.classify(e)).isEqualTo(FailureKind.USAGE);
    }

    @Test
    void omitsTheLanePrefixWhenThereIsNoLane() {
        Throwable t = Failures.translate(null, GRAMMAR.make("syntax error at or near \"SELEC\"", "42601"));

        assertThat(t.getMessage()).startsWith("bad SQL: syntax error");
        assertThat(((SluiceException) t).lane()).isNull();
    }

    @Test
    void excerptsLongStatementsOnOneLine() {
        String longSql = "SELECT\n  a,\n\tb FROM t WHERE x IN (" + "1, ".repeat(100) + "1)";

        String excerpt = Failures.excerpt(longSql);

        assertThat(excerpt).startsWith("SELECT a, b FROM t WHERE").doesNotContain("\n").hasSize(201).endsWith("…");
        assertThat(Failures.excerpt("  SELECT 1\n")).isEqualTo("SELECT 1");
    }

    private static void assertStandIn(Throwable standIn, R2dbcException original) {
        assertThat(standIn).isExactlyInstanceOf(original.getClass())
                .hasMessage(original.getClass().getName() + ": " + original.getMessage());
        R2dbcException r = (R2dbcException) standIn;
        assertThat(r.getSqlState()).isEqualTo(original.getSqlState());
        assertThat(r.getSql()).isEqualTo(original.getSql());
        assertThat(r.getErrorCode()).isEqualTo(original.getErrorCode());
        assertThat(r.getStackTrace()).isEqualTo(original.getStackTrace());
    }

    /** Every throwable reachable from {@code t} through causes and suppressed exceptions. */
    private static List<Throwable> chain(Throwable t) {
        List<Throwable> all = new ArrayList<>();
        Deque<Throwable> todo = new ArrayDeque<>(List.of(t));
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

    /** Like r2dbc-postgresql's exceptions: a message, and the server's other fields (here DETAIL) beside it. */
    static final class DriverError extends R2dbcBadGrammarException {
        private static final long serialVersionUID = 1L;
        private final String detail;

        DriverError(String message, String sqlState, String detail, Throwable cause) {
            super(message, sqlState, 0, SQL, cause);
            this.detail = detail;
        }

        String detail() {
            return detail;
        }
    }

    /** Builds the driver exception a server error arrives as. */
    interface Driver {
        R2dbcException make(String message, String sqlState);
    }

    private static final Driver NON_TRANSIENT_RESOURCE = (m, s) -> new R2dbcNonTransientResourceException(m, s, 0, SQL);
    private static final Driver INTEGRITY = (m, s) -> new R2dbcDataIntegrityViolationException(m, s, 0, SQL);
    private static final Driver GRAMMAR = (m, s) -> new R2dbcBadGrammarException(m, s, 0, SQL);
}
