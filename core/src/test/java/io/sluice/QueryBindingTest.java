package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.Statement;
import io.sluice.spi.ConnectionSource;
import java.lang.reflect.Proxy;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * Binding mistakes are reported the way every failure of a cold publisher is: at subscribe, before any
 * connection is borrowed, never thrown by {@code sql(...)} or {@code bind(...)} themselves; the messages name
 * the lane, the placeholder and the statement, never the value.
 */
class QueryBindingTest {

    private static final Lane LANE = Lane.INTERACTIVE;
    private static final String NAMED = "SELECT id FROM users WHERE email = :email AND tenant = :tenant";
    private static final String POSITIONAL = "SELECT id FROM users WHERE email = $1 AND tenant = $2";

    private final StubSource source = new StubSource(lane -> Mono.error(new R2dbcNonTransientResourceException("no server here", "08006")));
    private final Database db = Database.over(source);

    /** Builds the query (which must not throw), then subscribes to it: where a bind mistake surfaces. */
    private static Long atSubscribe(java.util.function.Supplier<Query> build) {
        Query q;
        try {
            q = build.get();
        } catch (RuntimeException e) {
            throw new AssertionError("a bind mistake was thrown by sql(...) or bind(...), not at subscribe", e);
        }
        return q.rowsUpdated().block();
    }

    @Test
    void gapsInThePlaceholdersAreABindExceptionNamingTheMissingOne() {
        assertThatThrownBy(() -> atSubscribe(() -> db.sql(LANE, "SELECT $1, $3").bind(1, 1).bind(3, 3)))
                .isInstanceOf(BindException.class)
                .hasMessageContaining("the SQL uses $3 but not $2");
        assertThat(source.acquired).hasValue(0);
    }

    @Test
    void moreParametersThanTheProtocolAllowsIsABindExceptionPointingToAnArray() {
        StringBuilder sql = new StringBuilder("SELECT 1 WHERE 1 IN (");
        for (int i = 1; i <= 65_536; i++) {
            sql.append(i == 1 ? "" : ",").append('$').append(i);
        }
        assertThatThrownBy(() -> atSubscribe(() -> db.sql(LANE, sql + ")")))
                .isInstanceOf(BindException.class)
                .hasMessageContaining("the statement has 65536 parameters; PostgreSQL's protocol allows at most 65535")
                .hasMessageContaining("= ANY($1)");
        assertThat(source.acquired).hasValue(0);
    }

    @Test
    void aBindMistakeIsReportedAtEverySubscriptionAndTheFirstMistakeWins() {
        Query q = db.sql(LANE, POSITIONAL).bind(7, "x").bind(1, null);
        StepVerifier.create(q.rowsUpdated()).expectErrorMessage("[lane interactive] there is no placeholder $7 in the SQL "
                + "(it has $1..$2); positions start at 1: " + POSITIONAL).verify();
        StepVerifier.create(q.map(r -> 1).all()).expectError(BindException.class).verify();
        assertThat(source.acquired).hasValue(0);
    }

    @Test
    void rejectsANullPositionalValueAndPointsToBindNull() {
        assertThatThrownBy(() -> atSubscribe(() -> db.sql(LANE, POSITIONAL).bind(1, null)))
                .isInstanceOf(BindException.class)
                .hasMessageStartingWith("[lane interactive] the value bound to $1 is null; use bindNull(1, Type.class)")
                .hasMessageEndingWith(POSITIONAL);
        assertThat(source.acquired).hasValue(0);
    }

    @Test
    void rejectsANullNamedValueAndPointsToBindNull() {
        assertThatThrownBy(() -> atSubscribe(() -> db.sql(LANE, NAMED).bind("tenant", null)))
                .isInstanceOf(BindException.class)
                .hasMessageContaining("the value bound to :tenant is null; use bindNull(\"tenant\", Type.class)");
    }

    @Test
    void aValueThatMayBeNullIsBoundWithItsTypeAndAMismatchedTypeIsNamed() {
        // accepted: null (SQL NULL of the type), a value of the type, a wrapper for a primitive type
        db.sql(LANE, POSITIONAL).bind(1, null, String.class).bind(2, 7L, long.class);
        db.sql(LANE, NAMED).bind("email", "a@example.com", String.class).bind("tenant", null, Long.class);
        assertThatThrownBy(() -> atSubscribe(() -> db.sql(LANE, NAMED).bind("tenant", "seven", Long.class)))
                .isInstanceOf(BindException.class)
                .hasMessageStartingWith("[lane interactive] the value bound to :tenant is a java.lang.String, not the java.lang.Long declared with it")
                .hasMessageNotContaining("seven");
        assertThatThrownBy(() -> atSubscribe(() -> db.sql(LANE, POSITIONAL).bind(1, "x", null)))
                .isInstanceOf(BindException.class)
                .hasMessageContaining("bind(1, value, type) needs the Java type of the column");
        assertThatThrownBy(() -> atSubscribe(() -> db.sql(LANE, POSITIONAL).bind(3, null, String.class)))
                .isInstanceOf(BindException.class).hasMessageContaining("$3");
        assertThat(source.acquired).hasValue(0);
    }

    @Test
    void rejectsAnUnknownNameListingTheNamesTheSqlHas() {
        assertThatThrownBy(() -> atSubscribe(() -> db.sql(LANE, NAMED).bind("emial", "bob@example.com")))
                .isInstanceOf(BindException.class)
                .hasMessageContaining("the SQL has no parameter :emial (it has :email, :tenant)")
                .hasMessageNotContaining("bob@example.com");
    }

    @Test
    void rejectsANameOnPositionalSql() {
        assertThatThrownBy(() -> atSubscribe(() -> db.sql(LANE, POSITIONAL).bind("email", "x")))
                .isInstanceOf(BindException.class)
                .hasMessageContaining("the SQL has no parameter :email (it has positional $1..$2)");
    }

    @Test
    void rejectsPositionZero() {
        assertThatThrownBy(() -> atSubscribe(() -> db.sql(LANE, POSITIONAL).bind(0, "x")))
                .isInstanceOf(BindException.class)
                .hasMessageContaining("there is no placeholder $0 in the SQL (it has $1..$2); positions start at 1");
    }

    @Test
    void rejectsAPositionBeyondTheCount() {
        assertThatThrownBy(() -> atSubscribe(() -> db.sql(LANE, POSITIONAL).bind(3, "x")))
                .isInstanceOf(BindException.class)
                .hasMessageContaining("there is no placeholder $3 in the SQL (it has $1..$2)");
        assertThatThrownBy(() -> atSubscribe(() -> db.sql(LANE, "SELECT 1").bindNull(1, String.class)))
                .isInstanceOf(BindException.class)
                .hasMessageContaining("there is no placeholder $1 in the SQL (it has none)");
    }

    @Test
    void rejectsAPositionalBindOnNamedSql() {
        assertThatThrownBy(() -> atSubscribe(() -> db.sql(LANE, NAMED).bind(1, "x")))
                .isInstanceOf(BindException.class)
                .hasMessageContaining("the SQL uses named parameters (email, tenant); bind them by name");
    }

    @Test
    void rejectsBindNullWithoutAType() {
        assertThatThrownBy(() -> atSubscribe(() -> db.sql(LANE, NAMED).bindNull("email", null)))
                .isInstanceOf(BindException.class)
                .hasMessageContaining("bindNull needs the Java type of the column");
    }

    @Test
    void rejectsEmptyOrNullSql() {
        assertThatThrownBy(() -> atSubscribe(() -> db.sql(LANE, "  \n")))
                .isInstanceOf(BindException.class)
                .hasMessage("[lane interactive] the SQL is empty; pass a statement");
        assertThatThrownBy(() -> atSubscribe(() -> db.sql(LANE, null)))
                .isInstanceOf(BindException.class)
                .hasMessage("[lane interactive] the SQL is null; pass a statement");
    }

    @Test
    void rejectsSqlMixingPlaceholderStylesWhenTheQueryIsCreated() {
        assertThatThrownBy(() -> atSubscribe(() -> db.sql(Lane.BACKGROUND, "SELECT :a, $2")))
                .isInstanceOf(BindException.class)
                .hasMessageStartingWith("[lane background] the SQL mixes :name and $n placeholders");
    }

    @Test
    void reportsBindMistakesAsUsageErrorsOfTheLane() {
        BindException e = catchThrowableOfType(BindException.class, () -> atSubscribe(() -> db.sql(LANE, NAMED).bind("nope", 1)));

        assertThat(e.kind()).isEqualTo(FailureKind.USAGE);
        assertThat(e.isTransient()).isFalse();
        assertThat(e.lane()).isEqualTo(LANE);
    }

    @Test
    void acceptsEveryPlaceholderBoundOnceOrAgain() {
        Query q = db.sql(LANE, NAMED);

        assertThat(q.bind("email", "a@example.com").bindNull("tenant", Long.class).bind("tenant", 7L)).isSameAs(q);
        assertThat(db.sql(LANE, POSITIONAL).bind(2, 7L).bind(1, "a@example.com")).isNotNull();
        assertThat(source.acquired).hasValue(0);
    }

    @Test
    void rejectsANegativeFetchSizeAndANullMapper() {
        Query q = db.sql(LANE, "SELECT 1");

        assertThatThrownBy(() -> q.fetchSize(-1)).hasMessage("fetchSize must be 0 (whole result) or positive, was -1");
        assertThatThrownBy(() -> q.map(null)).hasMessage("mapper must not be null");
    }

    @Test
    void borrowsNoConnectionUntilSubscribed() {
        Mono<Long> updated = db.sql(LANE, POSITIONAL).bind(1, "a").bind(2, 1L).rowsUpdated();

        assertThat(source.acquired).hasValue(0);
        StepVerifier.create(updated)
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOf(TransientConnectionException.class)
                        .hasMessageStartingWith("[lane interactive] connection lost: no server here (SQLSTATE 08006)"))
                .verify();
        assertThat(source.acquired).hasValue(1);
    }

    @Test
    void reportsAParameterLeftUnboundWhenTheStatementRunsAndReleasesTheConnection() {
        StubSource live = new StubSource(lane -> Mono.just(idleConnection()));

        StepVerifier.create(Database.over(live).sql(LANE, NAMED).bind("email", "a@example.com").rowsUpdated())
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOf(BindException.class)
                        .hasMessageContaining("parameter :tenant was not bound"))
                .verify();
        assertThat(live.released).hasValue(1);
    }

    @Test
    void unknownLaneMessageListsTheConfiguredLanesAndTheFix() {
        UnknownLaneException e = new UnknownLaneException(Lane.of("nope"), Set.of(Lane.INTERACTIVE, Lane.ADMIN, Lane.BACKGROUND));

        assertThat(e).hasMessage("lane 'nope' is not configured; configured lanes: admin, background, interactive. "
                + "Add it to the builder with .lane(LaneConfig.builder(Lane.of(\"nope\"))...build())");
        assertThat(e.kind()).isEqualTo(FailureKind.USAGE);
        assertThat(e.lane()).isEqualTo(Lane.of("nope"));
    }

    @Test
    void passesAnUnknownLaneErrorFromTheSourceThroughUnchanged() {
        StubSource lanes = new StubSource(lane -> Mono.error(new UnknownLaneException(lane, Set.of(LANE))));

        StepVerifier.create(Database.over(lanes).sql(Lane.of("nope"), "SELECT 1").map(r -> 1).all())
                .expectErrorSatisfies(e -> assertThat(e)
                        .isExactlyInstanceOf(UnknownLaneException.class)
                        .hasMessageStartingWith("lane 'nope' is not configured; configured lanes: interactive."))
                .verify();
    }

    /** A connection in autocommit mode whose statements take bindings but are never executed. */
    private static Connection idleConnection() {
        Statement statement = (Statement) Proxy.newProxyInstance(Statement.class.getClassLoader(), new Class<?>[]{Statement.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("execute")) {
                        throw new UnsupportedOperationException("execute");
                    }
                    return proxy;
                });
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[]{Connection.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "isAutoCommit" -> true;
                    case "createStatement" -> statement;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    /** A connection source that answers every acquire from a function and counts what it lent and got back. */
    private static final class StubSource implements ConnectionSource {
        final AtomicInteger acquired = new AtomicInteger();
        final AtomicInteger released = new AtomicInteger();
        private final Function<Lane, Mono<Connection>> acquire;

        StubSource(Function<Lane, Mono<Connection>> acquire) {
            this.acquire = acquire;
        }

        @Override
        public io.sluice.spi.LaneSource lane(Lane lane) {
            return new io.sluice.spi.LaneSource() {
                @Override
                public Lane lane() {
                    return lane;
                }

                @Override
                public Mono<Connection> acquire() {
                    return Mono.defer(() -> {
                        acquired.incrementAndGet();
                        return acquire.apply(lane);
                    });
                }

                @Override
                public Mono<Void> release(Connection connection) {
                    return Mono.fromRunnable(released::incrementAndGet);
                }

                @Override
                public Mono<Void> discard(Connection connection) {
                    return Mono.empty();
                }

                @Override
                public io.sluice.spi.LaneSettings settings() {
                    return new io.sluice.spi.LaneSettings(TxOptions.defaults(), 0, null, java.time.Duration.ofSeconds(1));
                }
            };
        }

        @Override
        public Set<Lane> lanes() {
            return Set.of(LANE);
        }
    }
}
