package io.opentalking.controlplane.availability;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real backend whose next answers a test scripts: fail the next N requests (503), or answer after a delay.
 * Counting requests, not time, is what makes "fails exactly one round" deterministic.
 */
final class ScriptedBackend implements AutoCloseable {
    private final HttpServer server;
    private final String okBody;
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private volatile Duration delay = Duration.ZERO;

    ScriptedBackend(String okBody) {
        this.okBody = okBody;
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    void failNext(int n) {
        failuresLeft.set(n);
    }

    int failuresLeft() {
        return failuresLeft.get();
    }

    void delayAnswers(Duration d) {
        delay = d;
    }

    int requests() {
        return requests.get();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        requests.incrementAndGet();
        try {
            // The backend being slow is the behaviour under test, not a wait in the test.
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        boolean fail = failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
        byte[] body = (fail ? "{\"detail\":\"down\"}" : okBody).getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(fail ? 503 : 200, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        } catch (IOException e) {
            // the prober gave up on us; nothing to do
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
