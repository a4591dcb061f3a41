package io.sluice.pool;

import io.r2dbc.spi.ConnectionFactoryOptions;
import io.r2dbc.spi.Option;
import io.sluice.ConfigurationException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Where and how to connect: host, port, database, credentials and TLS. Immutable; from
 * {@link #builder()}, {@link #fromEnvironment()} (the standard {@code PG*} variables) or
 * {@link #fromUrl(String)} (an R2DBC or libpq URL) — all three fill the same validating builder, so
 * they can be combined: {@code ServerConfig.fromEnvironment().sslMode(SslMode.REQUIRE).build()}.
 *
 * <p>The password never appears in {@link #toString()} or in any message.
 */
public final class ServerConfig {

    private final String host;
    private final int port;
    private final String database;
    private final String user;
    private final @Nullable String password;
    private final java.util.function.@Nullable Supplier<String> passwordSupplier;
    private final SslMode sslMode;
    private final @Nullable Path sslRootCert;
    private final @Nullable Path sslCert;
    private final @Nullable Path sslKey;
    private final @Nullable String sslKeyPassword;
    private final Duration connectTimeout;
    private final boolean tcpKeepAlive;
    private final int eventLoops;
    private final PoolerMode pooler;
    private final List<ServerAddress> hosts;
    private final TargetSessionAttrs targetSessionAttrs;

    private ServerConfig(Builder b, List<ServerAddress> hosts) {
        this.hosts = List.copyOf(hosts);
        this.host = hosts.get(0).host();
        this.port = hosts.get(0).port();
        this.targetSessionAttrs = b.targetSessionAttrs;
        this.user = b.user;
        this.database = b.database != null ? b.database : b.user;
        this.password = b.password;
        this.passwordSupplier = b.passwordSupplier;
        this.sslMode = b.sslMode;
        this.sslRootCert = b.sslRootCert;
        this.sslCert = b.sslCert;
        this.sslKey = b.sslKey;
        this.sslKeyPassword = b.sslKeyPassword;
        this.connectTimeout = b.connectTimeout;
        this.tcpKeepAlive = b.tcpKeepAlive;
        this.eventLoops = b.eventLoops;
        this.pooler = b.pooler;
    }

    /** Defaults: 127.0.0.1:5432, the operating-system user, a database named as the user, sslmode prefer. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder filled from this process's {@code PG*} environment variables. */
    public static Builder fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /**
     * A builder filled from {@code PGHOST}, {@code PGPORT}, {@code PGDATABASE}, {@code PGUSER},
     * {@code PGPASSWORD}, {@code PGSSLMODE}, {@code PGSSLROOTCERT}, {@code PGSSLCERT}, {@code PGSSLKEY},
     * {@code PGCONNECT_TIMEOUT} (seconds) and {@code PGTARGETSESSIONATTRS}, as libpq reads them. Unset
     * variables keep the defaults. {@code PGHOST} may list several hosts ({@code a,b}) and {@code PGPORT}
     * one port for all or one per host, as libpq's host lists (see {@link Builder#hosts(ServerAddress...)}).
     */
    public static Builder fromEnvironment(Map<String, String> env) {
        Builder b = builder();
        String host = env.get("PGHOST");
        if (host != null && !host.isBlank() && !host.startsWith("/")) {
            b.host(host);
        }
        if (present(env, "PGPORT")) {
            List<Integer> ports = new ArrayList<>();
            for (String p : env.get("PGPORT").split(",", -1)) {
                ports.add(parseInt("PGPORT", p));
            }
            b.port(ports.get(0));
            b.ports = ports;
        }
        if (present(env, "PGTARGETSESSIONATTRS")) {
            b.targetSessionAttrs(TargetSessionAttrs.parse(env.get("PGTARGETSESSIONATTRS")));
        }
        if (present(env, "PGUSER")) {
            b.user(env.get("PGUSER"));
        }
        if (present(env, "PGDATABASE")) {
            b.database(env.get("PGDATABASE"));
        }
        if (env.get("PGPASSWORD") != null) {
            b.password(env.get("PGPASSWORD"));
        }
        if (present(env, "PGSSLMODE")) {
            b.sslMode(SslMode.parse(env.get("PGSSLMODE")));
        }
        if (present(env, "PGSSLROOTCERT")) {
            b.sslRootCert(Path.of(env.get("PGSSLROOTCERT")));
        }
        if (present(env, "PGSSLCERT")) {
            b.sslCert(Path.of(env.get("PGSSLCERT")));
        }
        if (present(env, "PGSSLKEY")) {
            b.sslKey(Path.of(env.get("PGSSLKEY")));
        }
        if (present(env, "PGCONNECT_TIMEOUT")) {
            int seconds = parseInt("PGCONNECT_TIMEOUT", env.get("PGCONNECT_TIMEOUT"));
            if (seconds > 0) {
                b.connectTimeout(Duration.ofSeconds(Math.max(2, seconds)));
            }
        }
        return b;
    }

    /**
     * A builder filled from a URL: {@code r2dbc:postgresql://user:password@host:5432/db?sslMode=require},
     * or libpq's {@code postgresql://...} form. Query options: {@code sslMode}, {@code sslRootCert},
     * {@code sslCert}, {@code sslKey}, {@code sslPassword}, {@code connectTimeout} (ISO-8601 like
     * {@code PT5S}, or seconds), {@code tcpKeepAlive}, {@code eventLoops}, {@code pooler} ({@code none}, {@code session} or
     * {@code transaction}, see {@link PoolerMode}), {@code targetSessionAttrs} (or libpq's
     * {@code target_session_attrs}). Several hosts are listed as libpq lists them:
     * {@code postgresql://a:5432,b:5433/db?target_session_attrs=read-write}.
     */
    public static Builder fromUrl(String url) {
        Check.notBlank("url", url);
        String u = url.trim();
        if (u.startsWith("postgresql://") || u.startsWith("postgres://")) {
            u = "r2dbc:postgresql://" + u.substring(u.indexOf("://") + 3);
        }
        u = u.replace("r2dbc:pool:postgresql://", "r2dbc:postgresql://");
        List<ServerAddress> hostList = null;
        int[] span = HostList.span(u);
        String hostPart = u.substring(span[0], span[1]);
        if (hostPart.indexOf(',') >= 0) {
            hostList = HostList.parse(hostPart, url);
            u = u.substring(0, span[0]) + hostList.get(0) + u.substring(span[1]);   // the first, as host:port
        }
        ConnectionFactoryOptions o;
        try {
            o = ConnectionFactoryOptions.parse(u);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("url", "the URL is not an R2DBC URL like "
                    + "r2dbc:postgresql://user@host:5432/database: " + redact(url));
        }
        Object driver = o.getValue(ConnectionFactoryOptions.DRIVER);
        if (!"postgresql".equals(driver) && !"postgres".equals(driver)) {
            throw new ConfigurationException("url", "the URL names driver '" + driver
                    + "'; Sluice connects to PostgreSQL only: " + redact(url));
        }
        Object host = o.getValue(ConnectionFactoryOptions.HOST);
        if (host != null && host.toString().contains(":") && !host.toString().startsWith("[")) {
            // the R2DBC parser takes "h:notaport" or "u:pa/ss@h" for a host; the latter holds half the password
            throw new ConfigurationException("url", "the URL's host:port is malformed (a port that is not a number, "
                    + "several hosts, or a '/' or '@' in the password not percent-encoded as %2F or %40): " + redact(url));
        }
        Builder b = builder();
        str(o, ConnectionFactoryOptions.HOST).ifPresent(b::host);
        Object port = o.getValue(ConnectionFactoryOptions.PORT);
        if (port != null) {
            b.port(port instanceof Integer i ? i : parseInt("port", port.toString()));
        }
        str(o, ConnectionFactoryOptions.USER).ifPresent(b::user);
        Object pw = o.getValue(ConnectionFactoryOptions.PASSWORD);
        if (pw != null) {
            b.password(pw.toString());
        }
        str(o, ConnectionFactoryOptions.DATABASE).ifPresent(b::database);
        str(o, Option.valueOf("sslMode")).or(() -> str(o, Option.valueOf("sslmode"))).ifPresent(v -> b.sslMode(SslMode.parse(v)));
        if ("true".equals(String.valueOf(o.getValue(ConnectionFactoryOptions.SSL))) && b.sslMode == SslMode.PREFER) {
            b.sslMode(SslMode.REQUIRE);
        }
        str(o, Option.valueOf("sslRootCert")).ifPresent(v -> b.sslRootCert(Path.of(v)));
        str(o, Option.valueOf("sslCert")).ifPresent(v -> b.sslCert(Path.of(v)));
        str(o, Option.valueOf("sslKey")).ifPresent(v -> b.sslKey(Path.of(v)));
        str(o, Option.valueOf("sslPassword")).ifPresent(b::sslKeyPassword);
        str(o, Option.valueOf("tcpKeepAlive")).ifPresent(v -> b.tcpKeepAlive(Boolean.parseBoolean(v)));
        str(o, Option.valueOf("eventLoops")).ifPresent(v -> b.eventLoops(eventLoopsOption(v)));
        str(o, Option.valueOf("pooler")).ifPresent(v -> b.pooler(PoolerMode.parse(v)));
        str(o, Option.valueOf("targetSessionAttrs")).or(() -> str(o, Option.valueOf("target_session_attrs")))
                .ifPresent(v -> b.targetSessionAttrs(TargetSessionAttrs.parse(v)));
        if (hostList != null) {
            b.hosts(hostList.toArray(new ServerAddress[0]));
        }
        Object ct = o.getValue(ConnectionFactoryOptions.CONNECT_TIMEOUT);
        if (ct != null) {
            b.connectTimeout(ct instanceof Duration d ? d : parseDuration("connectTimeout", ct.toString()));
        }
        return b;
    }

    private static int eventLoopsOption(String v) {
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new ConfigurationException("eventLoops", "eventLoops must be a whole number of threads (0 for "
                    + "reactor-netty's global loops), got '" + v + "'");
        }
    }

    private static java.util.Optional<String> str(ConnectionFactoryOptions o, Option<?> option) {
        Object v = o.getValue(option);
        return v == null || v.toString().isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(v.toString());
    }

    private static boolean present(Map<String, String> env, String key) {
        String v = env.get(key);
        return v != null && !v.isBlank();
    }

    static int parseInt(String setting, String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new ConfigurationException(setting, setting + " must be a whole number, was '" + value + "'");
        }
    }

    static Duration parseDuration(String setting, String value) {
        try {
            return value.startsWith("P") || value.startsWith("p") ? Duration.parse(value)
                    : Duration.ofSeconds(Long.parseLong(value.trim()));
        } catch (RuntimeException e) {
            throw new ConfigurationException(setting, setting + " must be an ISO-8601 duration (PT5S) or seconds, was '" + value + "'");
        }
    }

    /** The URL with any password replaced, for messages. */
    static String redact(String url) {
        // up to the last '@': a password may hold an unencoded '/' or '@'
        return url.replaceAll("://([^:/@]*):.*@", "://$1:***@").replaceAll("(?i)(password=)[^&]*", "$1***");
    }

    /** The first host (the only one unless a host list is configured). */
    public String host() {
        return host;
    }

    /** The first host's port. */
    public int port() {
        return port;
    }

    /** Every host, in the order new connections try them (one unless a host list is configured). */
    public List<ServerAddress> hosts() {
        return hosts;
    }

    /** Which of the hosts a new connection accepts; default {@link TargetSessionAttrs#ANY}. */
    public TargetSessionAttrs targetSessionAttrs() {
        return targetSessionAttrs;
    }

    /** Whether connections go through the driver's host list (several hosts, or a target other than any). */
    boolean multiHost() {
        return hosts.size() > 1 || targetSessionAttrs != TargetSessionAttrs.ANY;
    }

    /** {@code host:port}, or the host list {@code a:5432,b:5433}. */
    String addresses() {
        return hosts.size() == 1 ? host + ":" + port
                : String.join(",", hosts.stream().map(ServerAddress::toString).toList());
    }

    public String database() {
        return database;
    }

    public String user() {
        return user;
    }

    /** The password, or {@code null}. Never printed. */
    public @Nullable String password() {
        return password;
    }

    /**
     * Where each new connection takes its password from, when set instead of a fixed one (see
     * {@link Builder#passwordSupplier}); {@code null} otherwise.
     */
    public java.util.function.@Nullable Supplier<String> passwordSupplier() {
        return passwordSupplier;
    }

    public SslMode sslMode() {
        return sslMode;
    }

    public @Nullable Path sslRootCert() {
        return sslRootCert;
    }

    public @Nullable Path sslCert() {
        return sslCert;
    }

    public @Nullable Path sslKey() {
        return sslKey;
    }

    @Nullable String sslKeyPassword() {
        return sslKeyPassword;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    public boolean tcpKeepAlive() {
        return tcpKeepAlive;
    }

    /**
     * Event-loop threads each lane's connections run on: Sluice's own loops, a set per lane, one thread per
     * available processor unless set; 0 when the connections share reactor-netty's global loops (the driver's default).
     */
    public int eventLoops() {
        return eventLoops;
    }

    /** What sits between Sluice and the server; {@link PoolerMode#NONE} unless set. */
    public PoolerMode pooler() {
        return pooler;
    }

    /** {@code host:port/database as user (sslmode m)}: where this connects, without secrets. */
    public String describe() {
        return addresses() + "/" + database + " as " + user + " (sslmode " + sslMode.libpqName()
                + (targetSessionAttrs != TargetSessionAttrs.ANY ? ", target_session_attrs " + targetSessionAttrs.libpqName() : "")
                + (pooler == PoolerMode.NONE ? "" : ", through a pooler in " + pooler.label() + " mode") + ")";
    }

    @Override
    public String toString() {
        return "ServerConfig[" + describe() + ", password=" + (passwordSupplier != null ? "<supplied>" : password == null ? "<none>" : "<hidden>")
                + ", connectTimeout=" + connectTimeout + ", tcpKeepAlive=" + tcpKeepAlive + "]";
    }

    /** Validating builder; every setter rejects a bad value with a {@link ConfigurationException} naming it. */
    public static final class Builder {
        private List<String> hostNames = List.of("127.0.0.1");
        private List<Integer> ports = List.of(5432);
        private TargetSessionAttrs targetSessionAttrs = TargetSessionAttrs.ANY;
        private @Nullable String database;
        private String user = System.getProperty("user.name", "postgres");
        private @Nullable String password;
        private java.util.function.@Nullable Supplier<String> passwordSupplier;
        private SslMode sslMode = SslMode.PREFER;
        private @Nullable Path sslRootCert;
        private @Nullable Path sslCert;
        private @Nullable Path sslKey;
        private @Nullable String sslKeyPassword;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private boolean tcpKeepAlive = true;
        private int eventLoops = EventLoops.DEFAULT;
        private PoolerMode pooler = PoolerMode.NONE;

        private Builder() {
        }

        /**
         * Whether host:port is a pooler in transaction mode (PgBouncer {@code pool_mode = transaction}) rather
         * than PostgreSQL or a pooler in session mode; see {@link PoolerMode} for what changes. Default
         * {@link PoolerMode#NONE}.
         */
        public Builder pooler(PoolerMode mode) {
            this.pooler = Check.notNull("pooler", mode);
            return this;
        }

        /** The host; a comma-separated list ({@code a,b}) is a host list as in libpq (see {@link #hosts}). */
        public Builder host(String host) {
            Check.notBlank("host", host);
            List<String> names = new ArrayList<>();
            for (String h : host.split(",", -1)) {
                if (h.isBlank()) {
                    throw new ConfigurationException("host", "the host list '" + host + "' has an empty entry");
                }
                names.add(h.trim());
            }
            this.hostNames = names;
            return this;
        }

        /** The port, of every host. */
        public Builder port(int port) {
            if (port < 1 || port > 65535) {
                throw new ConfigurationException("port", "port must be between 1 and 65535, was " + port);
            }
            this.ports = List.of(port);
            return this;
        }

        /**
         * Several servers, tried in this order for each new connection until one accepts it and matches
         * {@link #targetSessionAttrs}, as libpq's {@code host=a,b port=5432,5433}. With
         * {@code targetSessionAttrs(READ_WRITE)} a lane's connections go to whichever host is the primary now,
         * so after a failover the next connection opened finds the promoted standby. Replaces {@link #host}
         * and {@link #port}.
         */
        public Builder hosts(ServerAddress... hosts) {
            Check.notNull("hosts", hosts);
            if (hosts.length == 0) {
                throw new ConfigurationException("hosts", "hosts must name at least one server");
            }
            List<String> names = new ArrayList<>();
            List<Integer> ps = new ArrayList<>();
            for (ServerAddress a : hosts) {
                Check.notNull("hosts", a);
                names.add(a.host());
                ps.add(a.port());
            }
            this.hostNames = names;
            this.ports = ps;
            return this;
        }

        /** Which server of the host list a connection accepts; default {@link TargetSessionAttrs#ANY}. */
        public Builder targetSessionAttrs(TargetSessionAttrs target) {
            this.targetSessionAttrs = Check.notNull("targetSessionAttrs", target);
            return this;
        }

        public Builder database(String database) {
            this.database = Check.notBlank("database", database);
            return this;
        }

        public Builder user(String user) {
            this.user = Check.notBlank("user", user);
            return this;
        }

        /** A fixed password; replaces a {@link #passwordSupplier} set before. */
        public Builder password(@Nullable String password) {
            this.password = password;
            this.passwordSupplier = null;
            return this;
        }

        /**
         * Asks {@code supplier} for the password each time a connection is opened, so that after a credential
         * rotation new connections use the new one (refresh a lane with {@link Lanes#refresh} to replace the
         * open ones). Called on a connecting thread: it must not block for long (read a cached secret, not a
         * vault round trip). Replaces a fixed {@link #password} set before.
         */
        public Builder passwordSupplier(java.util.function.Supplier<String> supplier) {
            this.passwordSupplier = Check.notNull("passwordSupplier", supplier);
            this.password = null;
            return this;
        }

        public Builder sslMode(SslMode sslMode) {
            this.sslMode = Check.notNull("sslMode", sslMode);
            return this;
        }

        /** The CA certificate (PEM) that signs the server's certificate; needed by verify-ca and verify-full. */
        public Builder sslRootCert(Path path) {
            this.sslRootCert = Check.notNull("sslRootCert", path);
            return this;
        }

        /** A client certificate (PEM), for servers that require one. */
        public Builder sslCert(Path path) {
            this.sslCert = Check.notNull("sslCert", path);
            return this;
        }

        /** The client certificate's private key (PEM, PKCS#8). */
        public Builder sslKey(Path path) {
            this.sslKey = Check.notNull("sslKey", path);
            return this;
        }

        /** The password of an encrypted {@code sslKey}. Never printed. */
        public Builder sslKeyPassword(String password) {
            this.sslKeyPassword = password;
            return this;
        }

        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = Check.positive("connectTimeout", timeout);
            return this;
        }

        public Builder tcpKeepAlive(boolean enabled) {
            this.tcpKeepAlive = enabled;
            return this;
        }

        /**
         * How many event-loop threads each lane's connections run on (default: half the available processors, as
         * the JVM counts them, container limits included, at least one; see {@code EventLoops.DEFAULT} for the
         * measurement behind it). reactor-netty's own default is at least four, which
         * on a one- or two-core container means more loop threads than cores, each handing the CPU to the
         * others between a query's answer and the next query; Sluice's loops are sized to the cores. Each lane
         * has loops of its own ({@code sluice-<lane>-io-<k>} daemon threads, created on first use, shared by the
         * {@link Lanes} of the process with the same lane name), so a background lane decoding a large result never
         * holds an interactive lane's answers behind it on a shared thread. The lane's connections are split
         * between its loops, and a caller running on one of them (the thread that delivered its last answer) is
         * given a connection of that loop when it has one to spare: no hand-off between threads. {@code 0}:
         * share reactor-netty's global loops instead (with a WebFlux server, the HTTP server's own loops).
         *
         * @throws ConfigurationException when negative, or above 256
         */
        public Builder eventLoops(int threads) {
            if (threads < 0 || threads > 256) {
                throw new ConfigurationException("eventLoops", "eventLoops must be 0 (reactor-netty's global loops) "
                        + "or between 1 and 256 threads, got " + threads);
            }
            this.eventLoops = threads;
            return this;
        }

        /**
         * Checks the settings against each other and the files they name.
         *
         * @throws ConfigurationException naming the setting, e.g. verify-full without a CA certificate
         */
        public ServerConfig build() {
            if ((sslMode == SslMode.VERIFY_CA || sslMode == SslMode.VERIFY_FULL) && sslRootCert == null) {
                throw new ConfigurationException("sslRootCert", "sslMode " + sslMode.libpqName()
                        + " checks the server's certificate and needs the CA that signed it: set sslRootCert (PGSSLROOTCERT)");
            }
            if ((sslCert == null) != (sslKey == null)) {
                throw new ConfigurationException(sslCert == null ? "sslCert" : "sslKey",
                        "a client certificate needs both sslCert and sslKey (PGSSLCERT and PGSSLKEY); only one is set");
            }
            for (Map.Entry<String, Path> f : files().entrySet()) {
                if (!Files.isReadable(f.getValue())) {
                    throw new ConfigurationException(f.getKey(), f.getKey() + " names a file that cannot be read: " + f.getValue());
                }
            }
            if (sslMode == SslMode.DISABLE && (sslRootCert != null || sslCert != null)) {
                throw new ConfigurationException("sslMode", "TLS files are set but sslMode is disable; "
                        + "set sslMode to require, verify-ca or verify-full, or drop the files");
            }
            return new ServerConfig(this, addresses());
        }

        /** Hosts paired with ports: one port for all, or one per host. */
        private List<ServerAddress> addresses() {
            if (ports.size() != 1 && ports.size() != hostNames.size()) {
                throw new ConfigurationException("port", ports.size() + " ports are given for " + hostNames.size()
                        + " hosts; give one port for all hosts or one per host (PGPORT=5432,5433)");
            }
            List<ServerAddress> list = new ArrayList<>();
            for (int i = 0; i < hostNames.size(); i++) {
                list.add(new ServerAddress(hostNames.get(i), ports.get(ports.size() == 1 ? 0 : i)));
            }
            return list;
        }

        private Map<String, Path> files() {
            Map<String, Path> m = new java.util.LinkedHashMap<>();
            if (sslRootCert != null) {
                m.put("sslRootCert", sslRootCert);
            }
            if (sslCert != null) {
                m.put("sslCert", sslCert);
            }
            if (sslKey != null) {
                m.put("sslKey", sslKey);
            }
            return m;
        }
    }
}
