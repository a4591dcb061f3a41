package io.sluice.spring.boot;

import static io.sluice.spring.boot.PropertyValues.set;

import io.sluice.ConfigurationException;
import io.sluice.pool.ServerConfig;
import io.sluice.pool.SslMode;
import java.util.Map;

/** {@code sluice.server.*} onto {@link ServerConfig}'s builder, over the {@code PG*} variables (or {@code url}). */
final class ServerSettings {

    private static final String P = "sluice.server.";

    private ServerSettings() {
    }

    static ServerConfig serverConfig(SluiceServerProperties p, Map<String, String> env) {
        ServerConfig.Builder b;
        if (p.getUrl() != null) {
            try {
                b = ServerConfig.fromUrl(p.getUrl());
            } catch (IllegalArgumentException e) {
                throw PropertyValues.rejected(P + "url", e);
            }
        } else {
            // PGPORT=abc and the like: the builder's message names the variable
            b = ServerConfig.fromEnvironment(env);
        }
        set(P + "host", p.getHost(), b::host);
        set(P + "port", p.getPort(), b::port);
        set(P + "database", p.getDatabase(), b::database);
        set(P + "user", p.getUser(), b::user);
        set(P + "password", p.getPassword(), b::password);
        set(P + "ssl-mode", p.getSslMode(), v -> b.sslMode(SslMode.parse(v)));
        set(P + "pooler", p.getPooler(), v -> b.pooler(io.sluice.pool.PoolerMode.parse(v)));
        set(P + "ssl-root-cert", p.getSslRootCert(), b::sslRootCert);
        set(P + "ssl-cert", p.getSslCert(), b::sslCert);
        set(P + "ssl-key", p.getSslKey(), b::sslKey);
        set(P + "ssl-key-password", p.getSslKeyPassword(), b::sslKeyPassword);
        set(P + "connect-timeout", p.getConnectTimeout(), b::connectTimeout);
        set(P + "tcp-keep-alive", p.getTcpKeepAlive(), b::tcpKeepAlive);
        set(P + "event-loops", p.getEventLoops(), b::eventLoops);
        try {
            return b.build();
        } catch (ConfigurationException e) {
            throw PropertyValues.rejected(PropertyValues.property(P, e.setting()), e);
        }
    }
}
