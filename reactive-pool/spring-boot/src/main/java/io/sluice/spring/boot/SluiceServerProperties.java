package io.sluice.spring.boot;

import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * {@code sluice.server.*}: where and how to connect. Applied in order over {@code ServerConfig}'s builder:
 * the {@code PG*} environment variables, then {@code url}, then each property set here.
 */
public class SluiceServerProperties {

    /** An R2DBC or libpq URL, e.g. r2dbc:postgresql://app@db.internal:5432/meals?sslMode=require. */
    private @Nullable String url;

    /** The server's host name or address (PGHOST; default 127.0.0.1). */
    private @Nullable String host;

    /** The server's port (PGPORT; default 5432). */
    private @Nullable Integer port;

    /** The database (PGDATABASE; default: named as the user). */
    private @Nullable String database;

    /** The role to connect as (PGUSER; default: the operating-system user). */
    private @Nullable String user;

    /** The role's password (PGPASSWORD). Never logged. */
    private @Nullable String password;

    /** TLS: disable, prefer, require, verify-ca or verify-full (PGSSLMODE; default prefer). */
    private @Nullable String sslMode;

    /** What host:port is: none (PostgreSQL, or a pooler in session mode) or transaction (PgBouncer in transaction mode); default none. */
    private @Nullable String pooler;

    /** The CA certificate (PEM) that signs the server's certificate (PGSSLROOTCERT). */
    private @Nullable Path sslRootCert;

    /** A client certificate (PEM), for servers that require one (PGSSLCERT). */
    private @Nullable Path sslCert;

    /** The client certificate's private key (PEM, PKCS#8) (PGSSLKEY). */
    private @Nullable Path sslKey;

    /** The password of an encrypted ssl-key. Never logged. */
    private @Nullable String sslKeyPassword;

    /** How long opening a connection may take (PGCONNECT_TIMEOUT; default 10s). */
    private @Nullable Duration connectTimeout;

    /** Whether TCP keep-alive is on for the connections (default true). */
    private @Nullable Boolean tcpKeepAlive;

    /**
     * Event-loop threads each lane's connections run on, a set per lane, the lane's connections split between them
     * (default: half the available processors, at least one); 0 shares reactor-netty's global loops, the ones the
     * WebFlux server runs on.
     */
    private @Nullable Integer eventLoops;

    public @Nullable String getUrl() { return url; }
    public void setUrl(@Nullable String url) { this.url = url; }
    public @Nullable String getHost() { return host; }
    public void setHost(@Nullable String host) { this.host = host; }
    public @Nullable Integer getPort() { return port; }
    public void setPort(@Nullable Integer port) { this.port = port; }
    public @Nullable String getDatabase() { return database; }
    public void setDatabase(@Nullable String database) { this.database = database; }
    public @Nullable String getUser() { return user; }
    public void setUser(@Nullable String user) { this.user = user; }
    public @Nullable String getPassword() { return password; }
    public void setPassword(@Nullable String password) { this.password = password; }
    public @Nullable String getSslMode() { return sslMode; }
    public void setSslMode(@Nullable String sslMode) { this.sslMode = sslMode; }
    public @Nullable String getPooler() { return pooler; }
    public void setPooler(@Nullable String pooler) { this.pooler = pooler; }
    public @Nullable Path getSslRootCert() { return sslRootCert; }
    public void setSslRootCert(@Nullable Path sslRootCert) { this.sslRootCert = sslRootCert; }
    public @Nullable Path getSslCert() { return sslCert; }
    public void setSslCert(@Nullable Path sslCert) { this.sslCert = sslCert; }
    public @Nullable Path getSslKey() { return sslKey; }
    public void setSslKey(@Nullable Path sslKey) { this.sslKey = sslKey; }
    public @Nullable String getSslKeyPassword() { return sslKeyPassword; }
    public void setSslKeyPassword(@Nullable String sslKeyPassword) { this.sslKeyPassword = sslKeyPassword; }
    public @Nullable Duration getConnectTimeout() { return connectTimeout; }
    public void setConnectTimeout(@Nullable Duration connectTimeout) { this.connectTimeout = connectTimeout; }
    public @Nullable Boolean getTcpKeepAlive() { return tcpKeepAlive; }
    public void setTcpKeepAlive(@Nullable Boolean tcpKeepAlive) { this.tcpKeepAlive = tcpKeepAlive; }
    public @Nullable Integer getEventLoops() { return eventLoops; }
    public void setEventLoops(@Nullable Integer eventLoops) { this.eventLoops = eventLoops; }
}
