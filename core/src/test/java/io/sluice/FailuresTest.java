package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import io.r2dbc.spi.R2dbcBadGrammarException;
import io.r2dbc.spi.R2dbcDataIntegrityViolationException;
import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcTimeoutException;
import io.r2dbc.spi.R2dbcTransientResourceException;
import java.io.IOException;
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

        assertThat(t).isExactlyInstanceOf(type).hasCause(e);
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

        assertThat(t).isExactlyInstanceOf(type).hasCause(e).hasMessage(message);
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

    /** Builds the driver exception a server error arrives as. */
    interface Driver {
        R2dbcException make(String message, String sqlState);
    }

    private static final Driver NON_TRANSIENT_RESOURCE = (m, s) -> new R2dbcNonTransientResourceException(m, s, 0, SQL);
    private static final Driver INTEGRITY = (m, s) -> new R2dbcDataIntegrityViolationException(m, s, 0, SQL);
    private static final Driver GRAMMAR = (m, s) -> new R2dbcBadGrammarException(m, s, 0, SQL);
}
