package io.opentalking.controlplane.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP server on a free port standing in for OmniRT or a direct_ws backend: fixed answers per path,
 * and a record of every request (path and Authorization header).
 */
public final class StubHttpServer implements AutoCloseable {
    /** One canned answer. */
    public record Answer(int status, String contentType, byte[] body) {
        public static Answer json(int status, String body) {
            return new Answer(status, "application/json", body.getBytes(StandardCharsets.UTF_8));
        }

        public static Answer text(int status, String body) {
            return new Answer(status, "text/plain", body.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** A request the stub saw. */
    public record Seen(String method, String path, String authorization) {
    }

    private final HttpServer server;
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();
    private volatile Answer fallback = Answer.json(404, "{\"detail\":\"Not Found\"}");
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private volatile Duration delay = Duration.ZERO;

    public StubHttpServer() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    public StubHttpServer answer(String path, Answer a) {
        answers.put(path, a);
        return this;
    }

    public StubHttpServer fallback(Answer a) {
        fallback = a;
        return this;
    }

    /** The next {@code n} requests, whatever their path, answer 503: "fails exactly n rounds" by count, not time. */
    public StubHttpServer failNext(int n) {
        failuresLeft.set(n);
        return this;
    }

    /** Every answer comes this much later: a slow backend is the behaviour under test. */
    public StubHttpServer delayAnswers(Duration d) {
        delay = d;
        return this;
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        seen.add(new Seen(ex.getRequestMethod(), path, ex.getRequestHeaders().getFirst("Authorization")));
        try {
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        Answer a = failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0
                ? Answer.json(503, "{\"detail\":\"down\"}") : answers.getOrDefault(path, fallback);
        ex.getResponseHeaders().add("Content-Type", a.contentType());
        ex.sendResponseHeaders(a.status(), a.body().length == 0 ? -1 : a.body().length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(a.body());
        } catch (IOException e) {
            // The client hung up (e.g. it read only the first MiB); nothing to do.
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String url() {
        return "http://127.0.0.1:" + port();
    }

    public List<Seen> seen() {
        return List.copyOf(seen);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
