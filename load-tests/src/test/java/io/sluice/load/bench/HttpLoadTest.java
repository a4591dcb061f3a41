package io.sluice.load.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The http scenario's driver against a tiny in-process server: arrivals at the rate asked, answers sorted into served and shed. */
class HttpLoadTest {

    @Test
    void sendsAtTheRateAndSortsServedFromShed() throws Exception {
        AtomicInteger n = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            int status = n.incrementAndGet() % 4 == 0 ? 503 : 200;   // every fourth request shed
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            HttpLoad load = new HttpLoad(HttpClient.newHttpClient(), Duration.ofSeconds(5));
            load.openLoop(200, Duration.ofSeconds(1), () -> new HttpLoad.Call("read", HttpLoad.request(base, "/x").GET().build()),
                    new AtomicBoolean());
            load.drain();
            HttpLoad.Stats s = load.stats("read");
            assertThat(s.all.getTotalCount()).isEqualTo(200);
            assertThat(s.shed.getTotalCount()).isEqualTo(50);
            assertThat(s.served.getTotalCount()).isEqualTo(150);
            assertThat(s.statusCounts()).containsEntry("200", 150L).containsEntry("503", 50L);
            assertThat(s.count("5") - s.count("503")).isZero();

            HttpLoad closed = new HttpLoad(HttpClient.newHttpClient(), Duration.ofSeconds(5));
            closed.closedLoop(4, Duration.ofMillis(300), () -> new HttpLoad.Call("read", HttpLoad.request(base, "/y").GET().build()));
            closed.drain();
            assertThat(closed.stats("read").all.getTotalCount()).isPositive();
        } finally {
            server.stop(0);
        }
    }
}
