package io.opentalking.controlplane.http;

import io.opentalking.controlplane.events.EventBus;
import io.opentalking.controlplane.events.SessionEvent;
import io.opentalking.controlplane.events.StoredEvent;
import io.opentalking.controlplane.sessions.SessionRejected;
import io.opentalking.controlplane.sessions.SessionService;
import io.opentalking.controlplane.sessions.SessionView;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * {@code GET /sessions/{id}/events} as Server-Sent Events. Subscribes before replaying, so nothing published in
 * between is lost; replays the latest event (or everything after {@code Last-Event-ID}); sends a comment every
 * keep-alive period. After the session's final event the stream stays open with comments until the client
 * hangs up or the linger time passes, because a browser's EventSource takes the end of a stream for an error
 * and reconnects. A session that has already ended answers 204, which tells EventSource to stop, unless the
 * client names a {@code Last-Event-ID} it has events after: those are replayed and the stream ends (its next
 * reconnect then gets the 204).
 */
final class SessionEventStream implements Router.Routes {
    /** Live events a slow client may fall behind by before its stream is ended with {@link #OVERFLOW}. */
    static final int BUFFER = 256;
    static final String OVERFLOW = "stream.overflow";

    /** Put in a stream's queue to end it (server shutdown). */
    private static final StoredEvent SHUTDOWN = new StoredEvent("", new SessionEvent("shutdown", Map.of()));
    private static final byte[] KEEP_ALIVE = ": keep-alive\n\n".getBytes(StandardCharsets.UTF_8);

    private final SessionService sessions;
    private final EventBus bus;
    private final Duration keepAlive;
    private final Duration linger;
    private final OpenStreams open;
    private final StreamBudget budget;
    private final Runnable onOverflow;
    private final LongSupplier nanoTime;

    SessionEventStream(SessionService sessions, EventBus bus, Duration keepAlive, Duration linger, OpenStreams open,
                       StreamBudget budget, Runnable onOverflow, LongSupplier nanoTime) {
        this.sessions = sessions;
        this.bus = bus;
        this.keepAlive = keepAlive;
        this.linger = linger;
        this.open = open;
        this.budget = budget;
        this.onOverflow = onOverflow;
        this.nanoTime = nanoTime;
    }

    @Override
    public void register(Router router) {
        router.get("/sessions/{id}/events", this::stream);
    }

    void stream(Exchange ex) throws IOException {
        String id = ex.pathParam("id");
        String lastId = ex.header("Last-Event-ID").map(String::trim).filter(s -> !s.isEmpty()).orElse(null);
        if (sessions.get(id).session().state().isFinal()) {
            replayEnded(ex, id, lastId);
            return;
        }
        StreamBudget.Admission admission = budget.open(id);
        if (admission.refusal().isPresent()) {
            throw new ApiError(503, admission.refusal().get().detail, Map.of("Retry-After", ErrorMapping.RETRY_AFTER_SECONDS));
        }
        // Linked: a quiet stream (the usual case) holds no buffer array, only the nodes of events not yet written.
        BlockingQueue<StoredEvent> live = new LinkedBlockingQueue<>(BUFFER + 1);
        AtomicBoolean overflowed = new AtomicBoolean();
        Runnable closer = () -> {
            live.clear();
            live.offer(SHUTDOWN);
        };
        try (StreamBudget.Permit permit = admission.permit().orElseThrow()) {
            if (!open.register(closer)) {
                throw new ApiError(503, "server is shutting down", Map.of("Retry-After", "1"));
            }
            try (EventBus.Subscription sub = bus.subscribe(id, e -> offer(live, overflowed, e))) {
                ex.header("Cache-Control", "no-cache").header("X-Accel-Buffering", "no");
                OutputStream out = ex.openStream(200, "text/event-stream; charset=utf-8");
                serve(out, id, lastId, live, overflowed);
            } catch (IOException e) {
                // The client went away; nothing to answer.
            }
        } finally {
            open.unregister(closer);
        }
    }

    private void replayEnded(Exchange ex, String id, String lastId) throws IOException {
        List<StoredEvent> missed = lastId == null ? List.of() : bus.since(id, lastId);
        if (missed.isEmpty()) {
            ex.empty(204);
            return;
        }
        ex.header("Cache-Control", "no-cache");
        OutputStream out = ex.openStream(200, "text/event-stream; charset=utf-8");
        for (StoredEvent e : missed) {
            write(out, e);
        }
    }

    /** Never blocks the publisher: a full buffer marks the stream overflowed, and the stream ends. */
    private void offer(BlockingQueue<StoredEvent> live, AtomicBoolean overflowed, StoredEvent e) {
        if (overflowed.get()) {
            return;
        }
        if (live.size() >= BUFFER || !live.offer(e)) {
            if (overflowed.compareAndSet(false, true)) {
                onOverflow.run();
            }
        }
    }

    private void serve(OutputStream out, String id, String lastId, BlockingQueue<StoredEvent> live,
                       AtomicBoolean overflowed) throws IOException {
        out.write((": stream for session " + id + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        String last = lastId;
        for (StoredEvent e : bus.since(id, lastId)) {
            write(out, e);
            last = e.id();
            if (e.event().isFinal()) {
                linger(out, live);
                return;
            }
        }
        if (endedWithoutEvent(id)) {
            return;
        }
        try {
            while (true) {
                StoredEvent e = live.poll(keepAlive.toMillis(), TimeUnit.MILLISECONDS);
                if (overflowed.get()) {
                    writeOverflow(out, id);
                    return;
                }
                if (e == null) {
                    out.write(KEEP_ALIVE);
                    out.flush();
                    if (endedWithoutEvent(id)) {
                        return;
                    }
                    continue;
                }
                if (e == SHUTDOWN) {
                    // What the shutdown itself published (session.expired, session.closed) is in the log.
                    for (StoredEvent rest : bus.since(id, last)) {
                        write(out, rest);
                    }
                    out.write(": server shutting down\n\n".getBytes(StandardCharsets.UTF_8));
                    return;
                }
                if (last != null && bus.compareIds(e.id(), last) <= 0) {
                    continue;
                }
                write(out, e);
                last = e.id();
                if (e.event().isFinal()) {
                    linger(out, live);
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** After the final event: comments only, until the client hangs up, the linger time passes or shutdown. */
    private void linger(OutputStream out, BlockingQueue<StoredEvent> live) throws IOException {
        long end = nanoTime.getAsLong() + linger.toNanos();
        try {
            while (true) {
                long left = end - nanoTime.getAsLong();
                if (left <= 0) {
                    return;
                }
                StoredEvent e = live.poll(Math.min(left, keepAlive.toNanos()), TimeUnit.NANOSECONDS);
                if (e == SHUTDOWN) {
                    out.write(": server shutting down\n\n".getBytes(StandardCharsets.UTF_8));
                    return;
                }
                if (e == null && end - nanoTime.getAsLong() > 0) {
                    out.write(KEEP_ALIVE);
                    out.flush();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The client fell too far behind: tell it to reconnect; its Last-Event-ID replay brings it up to date. */
    private static void writeOverflow(OutputStream out, String id) throws IOException {
        String data = Json.MAPPER.writeValueAsString(Map.of("session_id", id,
                "message", "events arrived faster than this client read them; reconnect to resume"));
        String frame = "retry: 1000\nevent: " + OVERFLOW + "\ndata: " + data + "\n\n";
        out.write(frame.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** A session that ended (or expired) while its final event was lost still ends its stream. */
    private boolean endedWithoutEvent(String id) {
        try {
            SessionView v = sessions.get(id);
            return v.session().state().isFinal();
        } catch (RuntimeException e) {
            return e instanceof SessionRejected.NotFound;
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
