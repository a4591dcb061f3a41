package io.sluice.testing;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelOption;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.DisposableServer;
import reactor.netty.NettyInbound;
import reactor.netty.NettyOutbound;
import reactor.netty.tcp.TcpClient;
import reactor.netty.tcp.TcpServer;

/**
 * A TCP proxy on 127.0.0.1 that puts real network faults between clients (connection pools) and a
 * server (PostgreSQL), for tests and the load-test harness. No JUnit; usable from a {@code main}.
 *
 * <p>{@link #start(String, int)} binds 127.0.0.1 on an ephemeral port at once (it blocks until bound).
 * Each accepted connection gets its own new connection to the target; bytes are forwarded both ways in
 * order and with backpressure (a slow reader stops reads on the other side; nothing is buffered without
 * bound). A client connection and its server connection close together: when either closes, so does
 * the other. If the target cannot be reached, the client connection is closed.
 *
 * <p>Faults switch at run time, from any thread; they apply to each chunk as it arrives or leaves, and to
 * each connection as it is accepted:
 * <ul>
 *   <li>{@link #latency(Duration)}: every chunk, both directions, is delivered that long after it arrived
 *       (pipelined: a round trip costs twice the latency, throughput is unchanged; order is kept);</li>
 *   <li>{@link #dropAll()}: closes every open connection, both sides, now; new ones are still accepted;</li>
 *   <li>{@link #refuseNew(boolean)}: new connections are closed right after accept (a server that is down);</li>
 *   <li>{@link #blackHole(boolean)}: nothing is forwarded in either direction, on existing connections too;
 *       bytes are read and dropped, connections stay open (a stopped server or a half-open network).
 *       Connections accepted during the black hole never reach the target, and stay so afterwards;</li>
 *   <li>{@link #passThrough()}: ends every fault (latency 0, accept, forward).</li>
 * </ul>
 *
 * <p>Every chunk read is either written to the other side (the writer releases it) or released here: a
 * chunk dropped by the black hole or left in flight when a connection closes is released by the
 * writer's discard hook, which Reactor Netty installs for the publisher it sends.
 */
public final class FaultProxy implements AutoCloseable {

    private static final String HOST = "127.0.0.1";
    /** Chunks in their latency delay at once per direction; more stops reads (backpressure). */
    private static final int IN_FLIGHT = 64;

    private final String target;
    private final TcpClient upstream;
    private final DisposableServer server;
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();
    private volatile Duration latency = Duration.ZERO;
    private volatile boolean refuseNew;
    private volatile boolean blackHole;

    private FaultProxy(String targetHost, int targetPort) {
        this.target = targetHost + ":" + targetPort;
        this.upstream = TcpClient.newConnection().host(targetHost).port(targetPort)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000);
        this.server = TcpServer.create().host(HOST).port(0).handle(this::serve).bindNow();
    }

    /** Starts a proxy to {@code targetHost:targetPort} on 127.0.0.1 and an ephemeral port, in pass-through mode. */
    public static FaultProxy start(String targetHost, int targetPort) {
        Objects.requireNonNull(targetHost, "targetHost");
        if (targetPort < 1 || targetPort > 65_535) {
            throw new IllegalArgumentException("targetPort must be 1-65535, was " + targetPort);
        }
        return new FaultProxy(targetHost, targetPort);
    }

    public String host() {
        return HOST;
    }

    public int port() {
        return server.port();
    }

    /** Ends every fault: no latency, new connections accepted, bytes forwarded. Open connections stay. */
    public FaultProxy passThrough() {
        latency = Duration.ZERO;
        refuseNew = false;
        blackHole = false;
        return this;
    }

    /** Delivers every chunk, in both directions, {@code delay} after it arrived; zero for none. */
    public FaultProxy latency(Duration delay) {
        if (delay == null || delay.isNegative()) {
            throw new IllegalArgumentException("latency must be zero or positive, was " + delay);
        }
        latency = delay;
        return this;
    }

    /** Closes every open connection, both sides, now. New connections are still accepted. */
    public FaultProxy dropAll() {
        open.forEach(Connection::dispose);
        return this;
    }

    /** While on, new connections are closed right after accept, as by a server that is down. */
    public FaultProxy refuseNew(boolean refuse) {
        refuseNew = refuse;
        return this;
    }

    /** While on, nothing is forwarded in either direction, on open connections too; connections stay open. */
    public FaultProxy blackHole(boolean on) {
        blackHole = on;
        return this;
    }

    /** Client connections open through the proxy now, black-holed ones included. */
    public int openConnections() {
        return open.size();
    }

    /** Stops listening and closes every connection. Idempotent; blocks up to 5 s for the listener to close. */
    @Override
    public void close() {
        server.disposeNow(Duration.ofSeconds(5));
        dropAll();
    }

    private Publisher<Void> serve(NettyInbound in, NettyOutbound out) {
        if (refuseNew) {
            return Mono.empty(); // the handler completing closes the connection
        }
        AtomicReference<Connection> ref = new AtomicReference<>();
        in.withConnection(ref::set);
        Connection client = ref.get();
        open.add(client);
        client.onDispose(() -> open.remove(client));
        if (blackHole) {
            return in.receive().then(); // read and drop until the client or dropAll closes it
        }
        return upstream.connect()
                .flatMap(backend -> {
                    client.onDispose(backend);
                    backend.onDispose(client);
                    return Mono.when(
                            backend.outbound().send(forward(in.receive().retain())),
                            out.send(forward(backend.inbound().receive().retain())));
                })
                .onErrorResume(e -> Mono.empty()); // target unreachable or a side closed mid-write: close both
    }

    private Flux<ByteBuf> forward(Flux<ByteBuf> chunks) {
        return chunks.flatMapSequential(this::delayed, IN_FLIGHT, 1)
                // dropped chunks go to the discard hook of send(), which releases them
                .filter(chunk -> !blackHole);
    }

    private Mono<ByteBuf> delayed(ByteBuf chunk) {
        Duration d = latency;
        return d.isZero() ? Mono.just(chunk) : Mono.just(chunk).delayElement(d);
    }

    @Override
    public String toString() {
        return "FaultProxy[" + HOST + ":" + port() + " -> " + target + ", latency=" + latency
                + ", refuseNew=" + refuseNew + ", blackHole=" + blackHole + ", open=" + open.size() + "]";
    }
}
