package io.opentalking.controlplane.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentalking.controlplane.sessions.CreateSessionRequest;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reads and validates request bodies: media type first (415), size (413), arrival within the request deadline
 * (408), then JSON shape and field types (400). Bodies being read are known, so shutdown can cut them at once.
 */
final class RequestBodies implements AutoCloseable {
    static final List<String> OPTIONAL_FIELDS = List.of("tts_provider", "tts_voice", "llm_system_prompt",
            "wav2lip_postprocess_mode", "stt_provider", "tts_model", "user_id");

    /** The most a handler's unread body is read (and discarded) for, before the connection is closed instead. */
    static final long DRAIN_MAX = 1024 * 1024 + 64 * 1024;

    /**
     * Bytes of request bodies being read at once, over all requests: 128 bodies of the largest size. Without it,
     * 2,000 connections each trickling a 64 KiB body would hold 128 MiB; with it, one more answers 503 at once.
     */
    static final int BODY_BUDGET = 8 * 1024 * 1024;

    private final Semaphore budget = new Semaphore(BODY_BUDGET);
    private final int limit;
    private final Duration deadline;
    private final Set<Request> reading = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "http-body-deadline");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean closing;

    RequestBodies(int limit, Duration deadline) {
        this.limit = limit;
        this.deadline = deadline;
    }

    /** 415 unless the request says {@code application/json} (parameters such as a charset are fine). */
    static void requireJson(Exchange ex) {
        String type = ex.header("Content-Type").orElse("");
        String bare = type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (!bare.equals("application/json")) {
            throw new ApiError(415, type.isBlank() ? "Content-Type must be application/json"
                    : "Content-Type must be application/json, not " + bare);
        }
    }

    /** True when the request carries no body at all (no length, or length 0, and not chunked). */
    static boolean hasNoBody(Exchange ex) {
        return ex.header("Transfer-Encoding").isEmpty()
                && ex.header("Content-Length").map(String::trim).map(v -> v.equals("0")).orElse(true);
    }

    byte[] read(Exchange ex) {
        Request req = ex.request();
        long declared = req.getLength();
        if (declared > limit) {
            // Read what is coming (up to a bound) before answering, so the client is not reset mid-send and
            // loses the answer; past the bound the connection is closed after the 413.
            drain(ex);
            throw new ApiError(413, "request body larger than " + limit + " bytes", Map.of("Connection", "close"));
        }
        if (closing) {
            throw new ApiError(503, "server is shutting down", Map.of("Retry-After", "1"));
        }
        int reserved = (int) (declared >= 0 ? declared : limit + 1);
        if (!budget.tryAcquire(reserved)) {
            discardArrived(req);
            throw new ApiError(503, "too many request bodies are being received; try again later",
                    Map.of("Retry-After", "1", "Connection", "close"));
        }
        try {
            return readWithin(req);
        } finally {
            budget.release(reserved);
        }
    }

    private byte[] readWithin(Request req) {
        // The deadline counts from when the headers arrived: a body that trickles in cannot hold a thread longer.
        long leftNanos = deadline.toNanos() - (System.nanoTime() - req.getHeadersNanoTime());
        ScheduledFuture<?> alarm = timer.schedule(() -> req.fail(new TimeoutException("body deadline")),
                Math.max(0, leftNanos), TimeUnit.NANOSECONDS);
        reading.add(req);
        try (InputStream in = Content.Source.asInputStream(req)) {
            byte[] body = in.readNBytes(limit + 1);
            if (body.length > limit) {
                drainOpen(in);
                throw new ApiError(413, "request body larger than " + limit + " bytes", Map.of("Connection", "close"));
            }
            return body;
        } catch (IOException | RuntimeException e) {
            if (e instanceof ApiError api) {
                throw api;
            }
            if (closing) {
                throw new ApiError(503, "server is shutting down", Map.of("Retry-After", "1", "Connection", "close"));
            }
            if (causedBy(e, TimeoutException.class)) {
                throw new ApiError(408, "request body not received within " + deadline.toMillis() + " ms",
                        Map.of("Connection", "close"));
            }
            // A truncated body or a bad chunk size: the client's fault.
            throw new ApiError(400, "request body could not be read", Map.of("Connection", "close"));
        } finally {
            alarm.cancel(false);
            reading.remove(req);
        }
    }

    /**
     * Reads and discards what a handler left unread (at most {@link #DRAIN_MAX} bytes, within the request
     * deadline), so that the answer reaches a client that is still sending; past that Jetty closes the
     * connection after the answer. Exactly one answer goes out either way.
     */
    void drain(Exchange ex) {
        Request req = ex.request();
        if (!ex.markDrained() || req.getLength() > DRAIN_MAX
                || (ex.header("Transfer-Encoding").isEmpty() && req.getLength() <= Request.getContentBytesRead(req))) {
            return;
        }
        long leftNanos = deadline.toNanos() - (System.nanoTime() - req.getHeadersNanoTime());
        if (leftNanos <= 0 || closing) {
            return;
        }
        ScheduledFuture<?> alarm = timer.schedule(() -> req.fail(new TimeoutException("drain deadline")),
                leftNanos, TimeUnit.NANOSECONDS);
        reading.add(req);
        try (InputStream in = Content.Source.asInputStream(req)) {
            drainOpen(in);
        } catch (IOException | RuntimeException e) {
            // Whatever stopped the drain, the connection is closed after the answer.
        } finally {
            alarm.cancel(false);
            reading.remove(req);
        }
    }

    /**
     * Drops the body bytes already received, without waiting for more: a socket closed with unread bytes is
     * reset, and a reset can overtake the answer on its way to the client.
     */
    private static void discardArrived(Request req) {
        for (Content.Chunk c = req.read(); c != null; c = req.read()) {
            boolean last = c.isLast();
            c.release();
            if (last || Content.Chunk.isFailure(c)) {
                return;
            }
        }
    }

    private static void drainOpen(InputStream in) throws IOException {
        byte[] sink = new byte[8192];
        long total = 0;
        int n;
        while (total < DRAIN_MAX && (n = in.read(sink)) >= 0) {
            total += n;
        }
    }

    /** At shutdown: bodies still arriving are cut now; their requests answer 503 and their connections close. */
    void cutAll() {
        closing = true;
        reading.forEach(r -> r.fail(new IOException("server shutting down")));
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    static CreateSessionRequest createSession(byte[] body) {
        if (body.length == 0) {
            throw new ApiError(400, "request body must be a JSON object with avatar_id and model");
        }
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new ApiError(400, "request body is not valid JSON");
        }
        if (root == null || !root.isObject()) {
            throw new ApiError(400, "request body must be a JSON object with avatar_id and model");
        }
        String avatar = requiredString(root, "avatar_id");
        String model = requiredString(root, "model");
        Map<String, String> options = new LinkedHashMap<>();
        for (String f : OPTIONAL_FIELDS) {
            JsonNode n = root.get(f);
            if (n == null || n.isNull()) {
                continue;
            }
            if (!n.isTextual()) {
                throw new ApiError(400, f + " must be a string");
            }
            options.put(f, n.asText());
        }
        return new CreateSessionRequest(avatar, model, options);
    }

    private static String requiredString(JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            throw new ApiError(400, field + " is required");
        }
        if (!n.isTextual()) {
            throw new ApiError(400, field + " must be a string");
        }
        if (n.asText().isBlank()) {
            throw new ApiError(400, field + " must not be empty");
        }
        return n.asText();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
