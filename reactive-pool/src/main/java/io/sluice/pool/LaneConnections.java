package io.sluice.pool;

import io.r2dbc.postgresql.PostgresqlConnectionConfiguration;
import io.r2dbc.postgresql.PostgresqlConnectionFactory;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryMetadata;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Wrapped;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * How a lane opens its connections: the driver's configuration from the server and the lane's settings
 * (startup parameters, role, TLS), the lane's session initialisation once per new connection, the last
 * connect failure (which acquire-timeout errors report as their cause), and the SQL that switches a lent
 * connection to a borrower's settings and back.
 */
final class LaneConnections {

    private final LaneConfig config;
    private final String target;
    private final String borrowSql;
    /** Under a pooler in transaction mode: the SQL that applies the lane's settings after each BEGIN; null otherwise. */
    private final @Nullable String unitSetup;
    private final boolean pooled;
    /** One factory per shard of the lane ({@link LanePool}), each opening its connections on its own loop. */
    private final InitializingFactory[] factories;
    private final AtomicReference<Failure> lastConnectFailure = new AtomicReference<>();
    /** When a connection was last opened (System.nanoTime), or 0: with the last failure, tells health "none can be made". */
    private volatile long lastConnectedNanos;
    private final Consumer<Connection> created;

    record Failure(Throwable error, long atNanos) {
    }

    /** SQL that gives a borrowed connection back its own lane's settings (its startup values). */
    static final String RESTORE_SQL = "RESET application_name; RESET statement_timeout; RESET lock_timeout; "
            + "RESET idle_in_transaction_session_timeout";

    LaneConnections(ServerConfig server, LaneConfig config, Consumer<Connection> created) {
        this.config = config;
        this.created = created;
        String user = config.user() != null ? config.user() : server.user();
        this.target = server.addresses() + "/" + server.database() + " as " + user
                + " (sslmode " + server.sslMode().libpqName() + (server.multiHost()
                ? ", target_session_attrs " + server.targetSessionAttrs().libpqName() : "") + ")";
        this.borrowSql = "SET application_name = '" + config.applicationName().replace("'", "''") + "'"
                + "; SET statement_timeout = " + millis(config.statementTimeout())
                + "; SET lock_timeout = " + millis(config.lockTimeout())
                + "; SET idle_in_transaction_session_timeout = " + millis(config.idleInTransactionTimeout());
        boolean pooled = server.pooler() == PoolerMode.TRANSACTION;
        if (pooled && !config.sessionInit().isEmpty()) {
            throw new io.sluice.ConfigurationException("sessionInit", "lane '" + config.lane().name() + "': sessionInit runs once "
                    + "per new connection, but through a pooler in transaction mode (ServerConfig pooler=transaction) a session's "
                    + "state does not outlive one transaction. Use sessionSetting for settings (applied at the start of each unit "
                    + "of work), or connect to PostgreSQL directly");
        }
        this.pooled = pooled;
        this.unitSetup = pooled ? PoolerSetup.sql(config) : null;
        int shards = shards(server);
        this.factories = new InitializingFactory[shards];
        for (int k = 0; k < shards; k++) {
            factories[k] = new InitializingFactory(new PostgresqlConnectionFactory(
                    driverConfig(server, config, server.eventLoops() == 0 ? null : EventLoops.loop(config.lane(), k))));
        }
    }

    /** How many shards a lane of this server has: one per event loop ({@code eventLoops} 0: one, on the driver's loops). */
    static int shards(ServerConfig server) {
        return Math.max(1, server.eventLoops());
    }

    /** Whether the lane connects through a pooler in transaction mode. */
    boolean pooled() {
        return pooled;
    }

    /**
     * Under a pooler in transaction mode, the SQL that applies the lane's settings after each BEGIN; null otherwise,
     * and null when the lane sets nothing but its application_name (its units then need no transaction).
     */
    @Nullable String unitSetup() {
        return unitSetup;
    }

    /** Opens one connection of the lane's shard {@code k} (on its loop), initialised; cold. */
    Mono<Connection> create(int k) {
        return factories[k].create();
    }

    /** The driver's factory, without the lane's session initialisation (for one-off checks). */
    ConnectionFactory rawFactory() {
        return factories[0].unwrap();
    }

    /** Where the lane connects, for messages: host, port, database, role and TLS mode; never the password. */
    String target() {
        return target;
    }

    @Nullable Failure lastConnectFailure() {
        return lastConnectFailure.get();
    }

    /** When a connection of this lane was last opened (System.nanoTime), or 0 when none ever was. */
    long lastConnectedNanos() {
        return lastConnectedNanos;
    }

    private static PostgresqlConnectionConfiguration driverConfig(ServerConfig server, LaneConfig config,
                                                                  reactor.netty.resources.@Nullable LoopResources loops) {
        PostgresqlConnectionConfiguration.Builder b = PostgresqlConnectionConfiguration.builder();
        if (server.multiHost()) {
            // the driver tries the hosts in order and keeps the first that matches the target
            server.hosts().forEach(a -> b.addHost(a.host(), a.port()));
            b.targetServerType(server.targetSessionAttrs().driverType());
        } else {
            b.host(server.host()).port(server.port());
        }
        b.database(server.database())
                .username(config.user() != null ? config.user() : server.user())
                .applicationName(config.applicationName())
                .connectTimeout(server.connectTimeout())
                .tcpKeepAlive(server.tcpKeepAlive())
                .sslMode(io.r2dbc.postgresql.client.SSLMode.fromValue(server.sslMode().libpqName()));
        if (loops != null) {
            b.loopResources(loops);
        }
        String password = config.user() != null ? config.password() : server.password();
        java.util.function.Supplier<String> supplied = config.user() != null ? null : server.passwordSupplier();
        if (supplied != null) {
            b.password(() -> supplied.get());   // asked per connection: a rotated password reaches new ones
        } else if (password != null) {
            b.password(password);
        }
        if (server.sslRootCert() != null) {
            b.sslRootCert(server.sslRootCert().toString());
        }
        if (server.sslCert() != null) {
            b.sslCert(server.sslCert().toString()).sslKey(String.valueOf(server.sslKey()));
        }
        if (server.sslKeyPassword() != null) {
            b.sslPassword(server.sslKeyPassword());
        }
        if (server.pooler() == PoolerMode.TRANSACTION) {
            // no startup parameters a pooler refuses or drops (the settings go with each BEGIN), and unnamed
            // statements only: a named one would be prepared on one server connection and used on another
            return b.preparedStatementCacheQueries(0).build();
        }
        Map<String, String> options = sessionOptions(config);
        if (!options.isEmpty()) {
            b.options(options);
        }
        return b.build();
    }

    /** The lane's session defaults, as startup parameters of each new connection. */
    static Map<String, String> sessionOptions(LaneConfig config) {
        Map<String, String> options = new LinkedHashMap<>(config.sessionSettings());
        putMillis(options, "statement_timeout", config.statementTimeout());
        putMillis(options, "lock_timeout", config.lockTimeout());
        putMillis(options, "idle_in_transaction_session_timeout", config.idleInTransactionTimeout());
        if (config.readOnly()) {
            options.put("default_transaction_read_only", "on");
        }
        if (config.isolation() != null) {
            options.put("default_transaction_isolation", config.isolation().sql().toLowerCase(Locale.ROOT));
        }
        return options;
    }

    /**
     * PgBouncer refuses a startup parameter it does not track with "unsupported startup parameter: name" (SQLSTATE
     * 08P01, nothing more specific): the one place Sluice reads a message, pinned by {@code PoolerTest}.
     */
    private Throwable refusedByPooler(Throwable e) {
        String m = e instanceof io.r2dbc.spi.R2dbcException ? String.valueOf(e.getMessage()) : "";
        if (!m.contains("unsupported startup parameter")) {
            return e;
        }
        String advice = !pooled
                ? "Declare the pooler: ServerConfig pooler=transaction (URL ?pooler=transaction), so that Sluice sends its lanes' "
                        + "settings with each unit of work instead; and add extra_float_digits, which the driver always sends, to "
                        + "PgBouncer's ignore_startup_parameters"
                : "Add extra_float_digits, which the driver always sends, to PgBouncer's ignore_startup_parameters";
        return new io.sluice.ConfigurationException("pooler", "lane '" + config.lane().name() + "': the pooler at " + target
                + " refused the connection (" + m + "). " + advice, e);
    }

    private static long millis(@Nullable Duration d) {
        return d == null ? 0 : Math.max(1, d.toMillis());
    }

    /** SQL that switches another lane's connection to this lane's timeouts and application_name. */
    String borrowSql() {
        return borrowSql;
    }

    static Mono<Void> exec(Connection c, String sql) {
        return Flux.from(c.createStatement(sql).execute()).concatMap(Result::getRowsUpdated).then();
    }

    private static void putMillis(Map<String, String> options, String name, @Nullable Duration value) {
        if (value != null) {
            options.put(name, String.valueOf(Math.max(1, value.toMillis())));
        }
    }

    /**
     * Runs the lane's session initialisation once per new connection and remembers the last connect
     * failure, which acquire-timeout errors report as their cause.
     */
    final class InitializingFactory implements ConnectionFactory, Wrapped<ConnectionFactory> {

        private final ConnectionFactory delegate;

        InitializingFactory(ConnectionFactory delegate) {
            this.delegate = delegate;
        }

        @Override
        public Mono<Connection> create() {
            Mono<Connection> created = Mono.from(delegate.create()).map(Connection.class::cast);
            if (!config.sessionInit().isEmpty()) {
                created = created.flatMap(c -> Flux.fromIterable(config.sessionInit())
                        .concatMap(sql -> Flux.from(c.createStatement(sql).execute()).concatMap(Result::getRowsUpdated))
                        .then(Mono.just(c))
                        .onErrorResume(e -> Mono.from(c.close()).onErrorResume(x -> Mono.empty()).then(Mono.error(e))));
            }
            return created.onErrorMap(LaneConnections.this::refusedByPooler)
                    .doOnNext(LaneConnections.this.created)
                    .doOnNext(c -> lastConnectedNanos = System.nanoTime())
                    .doOnError(e -> lastConnectFailure.set(new Failure(e, System.nanoTime())));
        }

        @Override
        public ConnectionFactoryMetadata getMetadata() {
            return delegate.getMetadata();
        }

        @Override
        public ConnectionFactory unwrap() {
            return delegate;
        }
    }
}
