package io.sluice.testing;

import io.sluice.pool.PoolerMode;
import io.sluice.pool.ServerConfig;
import io.sluice.pool.SslMode;

/**
 * A real PgBouncer in transaction mode in front of the tests' PostgreSQL ({@link PostgresFixture}), started
 * once per JVM (see {@link PgBouncer}: a free port, auth trust, {@value #SERVER_POOL_SIZE} server connections
 * per database and user) and stopped when the JVM exits. When PgBouncer is not installed, every test that
 * needs it fails saying how to install it: a test never skips silently.
 */
public final class PgBouncerFixture {

    /** Server connections PgBouncer opens per database and user: what all lanes of a test share. */
    public static final int SERVER_POOL_SIZE = 5;

    private static volatile PgBouncerFixture instance;

    private final PostgresFixture pg;
    private final PgBouncer bouncer;

    private PgBouncerFixture(PostgresFixture pg, PgBouncer bouncer) {
        this.pg = pg;
        this.bouncer = bouncer;
    }

    public static synchronized PgBouncerFixture get() {
        if (instance == null) {
            PostgresFixture pg = PostgresFixture.get();
            ServerConfig s = pg.server();
            PgBouncer b = PgBouncer.start(s.host(), s.port(), s.user(), SERVER_POOL_SIZE, null);
            Runtime.getRuntime().addShutdownHook(new Thread(b::close, "pgbouncer-stop"));
            instance = new PgBouncerFixture(pg, b);
        }
        return instance;
    }

    /** The port PgBouncer listens on (127.0.0.1). */
    public int port() {
        return bouncer.port();
    }

    /** A server configuration through PgBouncer, declared as a pooler in transaction mode. */
    public ServerConfig.Builder server() {
        return direct().pooler(PoolerMode.TRANSACTION);
    }

    /** A server configuration through PgBouncer that does not say it is one (what a user gets by default). */
    public ServerConfig.Builder direct() {
        ServerConfig s = pg.server();
        return ServerConfig.builder().host("127.0.0.1").port(bouncer.port()).user(s.user()).database(s.database())
                .sslMode(SslMode.DISABLE);
    }

    /** PgBouncer's log so far, for assertion messages. */
    public String log() {
        return bouncer.log();
    }
}
