package io.opentalking.controlplane.http;

import io.opentalking.controlplane.availability.ModelAvailability;
import io.opentalking.controlplane.availability.ModelChange;
import io.opentalking.controlplane.availability.ModelStatus;
import io.opentalking.controlplane.availability.ModelsDocument;
import io.opentalking.controlplane.availability.ModelsSnapshot;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code GET /models/events} as Server-Sent Events: one {@code models.changed} per model of the current table on
 * connect, then one per model whose status object changes, with a comment every keep-alive period. The watch
 * begins at the snapshot that is replayed, so no change falls between the replay and the live events. Every
 * event carries the whole status, so there is nothing to resume: a client that falls behind is told to reconnect
 * and gets the table again. It counts in the total stream cap; while the server shuts down it answers 204, which
 * tells a browser's EventSource to stop.
 */
final class ModelEventStream implements Router.Routes {
    static final String EVENT = "models.changed";
    /** Changes a slow client may fall behind by: several rounds of every model changing. */
    static final int BUFFER = 256;
    private static final byte[] KEEP_ALIVE = ": keep-alive\n\n".getBytes(StandardCharsets.UTF_8);

    /** What the stream's reader takes from its queue. */
    private sealed interface Item {
        record Changed(ModelChange change) implements Item {
        }

        record Shutdown() implements Item {
        }
    }

    private final ModelAvailability availability;
    private final Duration keepAlive;
    private final OpenStreams open;
    private final StreamBudget budget;
    private final Runnable onOverflow;

    ModelEventStream(ModelAvailability availability, Duration keepAlive, OpenStreams open, StreamBudget budget,
                     Runnable onOverflow) {
        this.availability = availability;
        this.keepAlive = keepAlive;
        this.open = open;
        this.budget = budget;
        this.onOverflow = onOverflow;
    }

    @Override
    public void register(Router router) {
        router.get("/models/events", this::stream);
    }

    private void stream(Exchange ex) throws IOException {
        if (open.closing()) {
            ex.empty(204);
            return;
        }
        StreamBudget.Admission admission = budget.openUnkeyed();
        if (admission.refusal().isPresent()) {
            throw new ApiError(503, admission.refusal().get().detail,
                    Map.of("Retry-After", ErrorMapping.RETRY_AFTER_SECONDS));
        }
        BlockingQueue<Item> live = new ArrayBlockingQueue<>(BUFFER + 1);
        AtomicBoolean overflowed = new AtomicBoolean();
        Runnable closer = () -> {
            live.clear();
            live.offer(new Item.Shutdown());
        };
        try (StreamBudget.Permit permit = admission.permit().orElseThrow()) {
            if (!open.register(closer)) {
                ex.empty(204);
                return;
            }
            try (ModelAvailability.Watch watch = availability.watch(c -> offer(live, overflowed, c))) {
                ex.header("Cache-Control", "no-cache").header("X-Accel-Buffering", "no");
                OutputStream out = ex.openStream(200, "text/event-stream; charset=utf-8");
                out.write(": model status changes\n\n".getBytes(StandardCharsets.UTF_8));
                replay(out, watch.current());
                serve(out, live, overflowed);
            } catch (IOException e) {
                // The client went away; nothing to answer.
            }
        } finally {
            open.unregister(closer);
        }
    }

    /** Never blocks the publisher: a full buffer marks the stream overflowed, and the stream ends. */
    private void offer(BlockingQueue<Item> live, AtomicBoolean overflowed, ModelChange c) {
        if (overflowed.get()) {
            return;
        }
        if (live.size() >= BUFFER || !live.offer(new Item.Changed(c))) {
            if (overflowed.compareAndSet(false, true)) {
                onOverflow.run();
            }
        }
    }

    /** Before the first round there is no table: the first round's changes then come live, one per model. */
    private static void replay(OutputStream out, Optional<ModelsSnapshot> snap) throws IOException {
        if (snap.isPresent()) {
            for (ModelStatus s : snap.get().statuses()) {
                write(out, new ModelChange(s, snap.get().takenAt()));
            }
        }
        out.flush();
    }

    private void serve(OutputStream out, BlockingQueue<Item> live, AtomicBoolean overflowed) throws IOException {
        try {
            while (true) {
                Item next = live.poll(keepAlive.toMillis(), TimeUnit.MILLISECONDS);
                if (overflowed.get()) {
                    // EventSource reconnects after `retry` ms and is replayed the whole table.
                    out.write("retry: 1000\n: fell behind; reconnect for the current table\n\n"
                            .getBytes(StandardCharsets.UTF_8));
                    return;
                }
                switch (next) {
                    case null -> out.write(KEEP_ALIVE);
                    case Item.Changed c -> write(out, c.change());
                    case Item.Shutdown s -> {
                        out.write(": server shutting down\n\n".getBytes(StandardCharsets.UTF_8));
                        return;
                    }
                }
                out.flush();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void write(OutputStream out, ModelChange c) throws IOException {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("status", ModelsDocument.status(c.status()));
        data.put("taken_at", c.takenAt().toString());
        String frame = "event: " + EVENT + "\ndata: " + Json.MAPPER.writeValueAsString(data) + "\n\n";
        out.write(frame.getBytes(StandardCharsets.UTF_8));
    }
}
