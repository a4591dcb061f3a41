package io.sluice.pool;

import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.r2dbc.postgresql.authentication.AuthenticationHandler;
import io.r2dbc.postgresql.authentication.UsernameAndPassword;
import io.r2dbc.postgresql.client.ConnectionSettings;
import io.r2dbc.postgresql.client.PostgresStartupParameterProvider;
import io.r2dbc.postgresql.client.ReactorNettyClient;
import io.r2dbc.postgresql.client.SSLConfig;
import io.r2dbc.postgresql.client.SSLMode;
import io.r2dbc.postgresql.client.StartupMessageFlow;
import io.r2dbc.postgresql.codec.DefaultCodecs;
import io.r2dbc.postgresql.message.backend.BackendMessage;
import io.r2dbc.postgresql.message.backend.ErrorResponse;
import io.r2dbc.postgresql.message.backend.ReadyForQuery;
import io.r2dbc.postgresql.message.frontend.Query;
import io.sluice.ConfigurationException;
import java.net.InetSocketAddress;
import java.util.TimeZone;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SynchronousSink;

/**
 * Opens a multiplexed lane's shared connections with r2dbc-postgresql's public client classes: TCP (and TLS
 * for sslmode prefer and require), the startup and authentication flow (trust, cleartext, MD5, SCRAM-SHA-256,
 * as the driver supports them), the lane's session settings as startup parameters, then its
 * {@code sessionInit} statements.
 */
final class SharedConnections {

    private final ServerConfig server;
    private final LaneConfig config;
    private final ConnectionSettings settings;
    private final AtomicInteger opened = new AtomicInteger();
    /** Statements sent again after a neighbour's cancel hit them, over all of the lane's shared connections. */
    final java.util.concurrent.atomic.LongAdder resent = new java.util.concurrent.atomic.LongAdder();

    /** @throws ConfigurationException for an sslmode the shared connections cannot honour */
    SharedConnections(ServerConfig server, LaneConfig config) {
        this.server = server;
        this.config = config;
        ConnectionSettings.Builder b = ConnectionSettings.builder()
                .connectTimeout(server.connectTimeout())
                .tcpKeepAlive(server.tcpKeepAlive())
                .tcpNoDelay(true)
                .sslConfig(ssl(server, config));
        reactor.netty.resources.LoopResources loops = EventLoops.of(server.eventLoops(), config.lane());
        if (loops != null) {
            b.loopResources(loops);
        }
        this.settings = b.build();
    }

    private static SSLConfig ssl(ServerConfig server, LaneConfig config) {
        return switch (server.sslMode()) {
            case DISABLE -> SSLConfig.disabled();
            case PREFER, REQUIRE -> new SSLConfig(SSLMode.fromValue(server.sslMode().libpqName()),
                    () -> {
                        try {
                            // prefer and require encrypt without checking the certificate, as libpq does
                            return SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build();
                        } catch (javax.net.ssl.SSLException e) {
                            throw new IllegalStateException("cannot set up TLS for lane '" + config.lane().name() + "': " + e, e);
                        }
                    }, null);
            case VERIFY_CA, VERIFY_FULL -> throw new ConfigurationException("multiplexed", "lane '" + config.lane().name()
                    + "': multiplexed lanes support sslMode disable, prefer and require, not " + server.sslMode().libpqName()
                    + " (its certificate checks are not implemented for shared connections yet). Use sslMode require, or "
                    + "leave the lane unmultiplexed");
        };
    }

    /** Opens one shared connection. Cold. */
    Mono<PipelinedConnection> open() {
        String user = config.user() != null ? config.user() : server.user();
        String password = config.user() != null ? config.password()
                : server.passwordSupplier() != null ? server.passwordSupplier().get() : server.password();
        UsernameAndPassword credentials = new UsernameAndPassword(user, password == null ? "" : password);
        String name = config.applicationName() + "#shared-" + opened.incrementAndGet();
        return ReactorNettyClient.connect(InetSocketAddress.createUnresolved(server.host(), server.port()), settings)
                .flatMap(client -> StartupMessageFlow.exchange(
                                auth -> AuthenticationHandler.getAuthenticationHandler(auth, credentials, client.getContext()),
                                client, server.database(), user,
                                new PostgresStartupParameterProvider(config.applicationName(), TimeZone.getDefault(),
                                        LaneConnections.sessionOptions(config)))
                        .handle(SharedConnections::failOnError)
                        .thenMany(Flux.fromIterable(config.sessionInit()).concatMap(sql -> simpleQuery(client, sql)))
                        .then(Mono.fromSupplier(() -> new PipelinedConnection(client, new DefaultCodecs(client.getByteBufAllocator()),
                                name, config.validationTimeout(), resent)))
                        .onErrorResume(e -> client.close().onErrorResume(x -> Mono.empty()).then(Mono.error(e))));
    }

    private static Flux<BackendMessage> simpleQuery(ReactorNettyClient client, String sql) {
        return client.exchange(ReadyForQuery.class::isInstance, Mono.just(new Query(sql)))
                .handle((BackendMessage m, SynchronousSink<BackendMessage> sink) -> {
                    if (m instanceof ErrorResponse r) {
                        sink.error(ServerError.of(r, sql));
                    }
                    io.netty.util.ReferenceCountUtil.release(m);
                });
    }

    private static void failOnError(BackendMessage m, SynchronousSink<BackendMessage> sink) {
        if (m instanceof ErrorResponse r) {
            sink.error(ServerError.of(r, null));
        }
    }
}
