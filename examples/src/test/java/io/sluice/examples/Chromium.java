package io.sluice.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Headless Chromium driven over the Chrome DevTools Protocol, with nothing but the JDK's WebSocket client: a
 * page is opened, headers set, a URL loaded and JavaScript evaluated in it, as a person's browser would run it.
 * Needs Debian's {@code chromium} package ({@code CHROMIUM} names another binary); fails saying so when it is
 * missing ({@code .ci/run} installs it).
 */
final class Chromium implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://[^\\s]+)");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path profile;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();

    private Chromium(Process process, Path profile, WebSocket socket) {
        this.process = process;
        this.profile = profile;
        this.socket = socket;
    }

    static Chromium start() {
        String binary = System.getenv().getOrDefault("CHROMIUM", "chromium");
        Path profile;
        Process p;
        try {
            profile = Files.createTempDirectory("sluice-chromium");
            p = new ProcessBuilder(binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--no-first-run", "--remote-debugging-port=0", "--user-data-dir=" + profile, "about:blank")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start '" + binary + "': install Debian's chromium package "
                    + "(apt-get install chromium; .ci/run does) or set CHROMIUM to a Chromium binary", e);
        }
        try {
            String browserUrl = devToolsUrl(p);
            URI browser = URI.create(browserUrl);
            HttpClient http = HttpClient.newHttpClient();
            String list = http.send(HttpRequest.newBuilder(URI.create("http://" + browser.getAuthority() + "/json/list")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            String pageUrl = null;
            for (JsonNode target : JSON.readTree(list)) {
                if ("page".equals(target.path("type").asString())) {
                    pageUrl = target.get("webSocketDebuggerUrl").asString();
                    break;
                }
            }
            if (pageUrl == null) {
                throw new IllegalStateException("Chromium opened no page: " + list);
            }
            Chromium[] self = new Chromium[1];
            WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create(pageUrl), new WebSocket.Listener() {
                private final StringBuilder text = new StringBuilder();

                @Override
                public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                    text.append(data);
                    if (last) {
                        String message = text.toString();
                        text.setLength(0);
                        if (self[0] != null) {
                            self[0].received(message);
                        }
                    }
                    w.request(1);
                    return null;
                }
            }).get(20, TimeUnit.SECONDS);
            self[0] = new Chromium(p, profile, ws);
            return self[0];
        } catch (Exception e) {
            p.destroyForcibly();
            throw new IllegalStateException("cannot drive Chromium over DevTools: " + e, e);
        }
    }

    private static String devToolsUrl(Process p) throws IOException {
        BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String line;
        while (System.nanoTime() < end && (line = err.readLine()) != null) {
            Matcher m = LISTENING.matcher(line);
            if (m.find()) {
                Thread drain = new Thread(() -> {
                    try {
                        while (err.readLine() != null) {
                            // keep Chromium's stderr from filling its pipe
                        }
                    } catch (IOException ignored) {
                        // Chromium exited
                    }
                }, "chromium-stderr");
                drain.setDaemon(true);
                drain.start();
                return m.group(1);
            }
            seen.append(line).append('\n');
        }
        throw new IllegalStateException("Chromium did not open its DevTools port; it said:\n" + seen);
    }

    private void received(String message) {
        JsonNode node = JSON.readTree(message);
        if (node.has("id")) {
            CompletableFuture<JsonNode> f = pending.remove(node.get("id").asInt());
            if (f != null) {
                if (node.has("error")) {
                    f.completeExceptionally(new IllegalStateException("DevTools: " + node.get("error")));
                } else {
                    f.complete(node.get("result"));
                }
            }
        }
    }

    /** Sends one DevTools command and waits for its result. */
    JsonNode send(String method, Map<String, Object> params) {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> result = new CompletableFuture<>();
        pending.put(id, result);
        ObjectNode command = JSON.createObjectNode().put("id", id).put("method", method);
        command.set("params", JSON.valueToTree(params));
        socket.sendText(JSON.writeValueAsString(command), true).join();
        try {
            return result.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(method + " failed: " + e, e);
        }
    }

    /** Every request the page makes (its event stream included) carries these headers. */
    void headers(Map<String, String> headers) {
        send("Network.enable", Map.of());
        send("Network.setExtraHTTPHeaders", Map.of("headers", headers));
    }

    void open(String url) {
        send("Page.enable", Map.of());
        send("Page.navigate", Map.of("url", url));
    }

    /** The value of a JavaScript expression in the page, as text ("" for null or undefined). */
    String eval(String expression) {
        JsonNode r = send("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true)).path("result");
        JsonNode value = r.path("value");
        return value.isMissingNode() || value.isNull() ? "" : value.isString() ? value.asString() : value.toString();
    }

    @Override
    public void close() {
        try {
            send("Browser.close", Map.of());
        } catch (RuntimeException ignored) {
            // it may close the socket before it answers
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            try (var files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException ignored) {
            // a temporary profile left behind
        }
    }

}
