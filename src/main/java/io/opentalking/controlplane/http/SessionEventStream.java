package io.opentalking.controlplane.http;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.opentalking.controlplane.events.EventBus;
import io.opentalking.controlplane.events.SessionEvent;
import io.opentalking.controlplane.events.StoredEvent;
import io.opentalking.controlplane.sessions.SessionService;
import io.opentalking.controlplane.sessions.SessionView;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /sessions/{id}/events} as Server-Sent Events. Subscribes before replaying, so nothing published in
 * between is lost; replays the latest event (or everything after {@code Last-Event-ID}); sends a comment line
 * every keep-alive period; ends when the session ends.
 */
final class SessionEventStream {
    private static final int BUFFER = 1024;

    /** Put in a stream's queue to end it (server shutdown). */
    private static final StoredEvent SHUTDOWN = new StoredEvent("", new SessionEvent("shutdown", java.util.Map.of()));

    private final SessionService sessions;
    private final EventBus bus;
    private final Duration keepAlive;
    private final OpenStreams open;

    SessionEventStream(SessionService sessions, EventBus bus, Duration keepAlive, OpenStreams open) {
        this.sessions = sessions;
        this.bus = bus;
        this.keepAlive = keepAlive;
        this.open = open;
    }

    void stream(ServerRequest req, ServerResponse res) throws IOException {
        String id = SessionRoutes.id(req);
        sessions.get(id);
        String lastId = req.headers().first(HeaderNames.create("Last-Event-ID")).map(String::trim)
                .filter(s -> !s.isEmpty()).orElse(null);
        BlockingQueue<StoredEvent> live = new LinkedBlockingQueue<>(BUFFER);
        Runnable closer = () -> live.offer(SHUTDOWN);
        if (!open.register(closer)) {
            open.unregister(closer);
            throw new ApiError(503, "server is shutting down", java.util.Map.of("Retry-After", "1"));
        }
        try (EventBus.Subscription sub = bus.subscribe(id, live::offer)) {
            res.status(200);
            res.header(HeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
            res.header(HeaderNames.CACHE_CONTROL, "no-cache");
            res.header("X-Accel-Buffering", "no");
            try (OutputStream out = res.outputStream()) {
                out.write((": stream for session " + id + "\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                String last = lastId;
                List<StoredEvent> replay = bus.since(id, lastId);
                for (StoredEvent e : replay) {
                    write(out, e);
                    last = e.id();
                    if (e.event().isFinal()) {
                        return;
                    }
                }
                if (endedWithoutEvent(id)) {
                    return;
                }
                while (true) {
                    StoredEvent e = live.poll(keepAlive.toMillis(), TimeUnit.MILLISECONDS);
                    if (e == null) {
                        out.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
                        out.flush();
                        if (endedWithoutEvent(id)) {
                            return;
                        }
                        continue;
                    }
                    if (e == SHUTDOWN) {
                        out.write(": server shutting down\n\n".getBytes(StandardCharsets.UTF_8));
                        return;
                    }
                    if (last != null && bus.compareIds(e.id(), last) <= 0) {
                        continue;
                    }
                    write(out, e);
                    last = e.id();
                    if (e.event().isFinal()) {
                        return;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                // The client went away; nothing to answer.
            }
        } finally {
            open.unregister(closer);
        }
    }

    /** A session that ended (or expired) while its final event was lost still ends its stream. */
    private boolean endedWithoutEvent(String id) {
        try {
            SessionView v = sessions.get(id);
            return v.session().state().isFinal();
        } catch (RuntimeException e) {
            return e instanceof io.opentalking.controlplane.sessions.SessionRejected.NotFound;
        }
    }

    private static void write(OutputStream out, StoredEvent e) throws IOException {
        SessionEvent ev = e.event();
        String frame = "id: " + e.id() + "\nevent: " + ev.name() + "\ndata: "
                + Json.MAPPER.writeValueAsString(ev.data()) + "\n\n";
        out.write(frame.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
