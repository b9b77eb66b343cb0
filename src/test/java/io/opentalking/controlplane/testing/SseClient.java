package io.opentalking.controlplane.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Reads a Server-Sent Events stream on a background thread; events (and the end of stream) arrive in a queue. */
public final class SseClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One event; {@code name} is null for the end-of-stream marker. */
    public record Event(String id, String name, JsonNode data) {
        public boolean isEnd() {
            return name == null;
        }
    }

    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final Thread reader;
    private volatile int status;
    private volatile String contentType;
    private volatile int comments;

    public SseClient(String url, String lastEventId) {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/event-stream");
        if (lastEventId != null) {
            req.header("Last-Event-ID", lastEventId);
        }
        CountDownLatchHolder opened = new CountDownLatchHolder();
        reader = Thread.ofVirtual().start(() -> {
            try {
                HttpResponse<Stream<String>> r = client.send(req.build(), HttpResponse.BodyHandlers.ofLines());
                status = r.statusCode();
                contentType = r.headers().firstValue("Content-Type").orElse("");
                opened.latch.countDown();
                String id = null;
                String name = null;
                StringBuilder data = new StringBuilder();
                for (String line : (Iterable<String>) r.body()::iterator) {
                    if (line.isEmpty()) {
                        if (name != null) {
                            events.add(new Event(id, name, JSON.readTree(data.toString())));
                        }
                        id = null;
                        name = null;
                        data.setLength(0);
                    } else if (line.startsWith(":")) {
                        comments++;
                    } else if (line.startsWith("id: ")) {
                        id = line.substring(4);
                    } else if (line.startsWith("event: ")) {
                        name = line.substring(7);
                    } else if (line.startsWith("data: ")) {
                        data.append(line.substring(6));
                    }
                }
            } catch (IOException | InterruptedException | RuntimeException e) {
                // stream closed
            } finally {
                opened.latch.countDown();
                events.add(new Event(null, null, null));
            }
        });
        try {
            opened.latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static final class CountDownLatchHolder {
        final java.util.concurrent.CountDownLatch latch = new java.util.concurrent.CountDownLatch(1);
    }

    public int status() {
        return status;
    }

    public String contentType() {
        return contentType;
    }

    public int comments() {
        return comments;
    }

    /** The next event within the timeout, or an AssertionError. */
    public Event next(Duration timeout) {
        try {
            Event e = events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (e == null) {
                throw new AssertionError("no SSE event within " + timeout);
            }
            return e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Skips events until one with this name (and, if given, this message) arrives. */
    public Event until(String name, String message, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Event e = next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            if (e.isEnd()) {
                throw new AssertionError("stream ended before " + name + " " + message);
            }
            if (e.name().equals(name) && (message == null || message.equals(e.data().path("message").asText()))) {
                return e;
            }
        }
    }

    @Override
    public void close() {
        reader.interrupt();
    }
}
