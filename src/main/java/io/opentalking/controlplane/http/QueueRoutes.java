package io.opentalking.controlplane.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.opentalking.controlplane.queue.QueueStatus;
import io.opentalking.controlplane.queue.QueueStatusReader;

/** {@code GET /queue/status}: never 5xx; a failed store read is zeros plus {@code X-Queue-Status-Source}. */
final class QueueRoutes implements Router.Routes {
    static final String SOURCE_HEADER = "X-Queue-Status-Source";
    private final QueueStatusReader reader;
    /** The last body served: the status changes far less often than it is asked for, so render it once. */
    private volatile Rendered last = render(QueueStatus.ZERO);

    private record Rendered(QueueStatus status, byte[] body) {
    }

    QueueRoutes(QueueStatusReader reader) {
        this.reader = reader;
    }

    @Override
    public void register(Router router) {
        router.get("/queue/status", this::status);
    }

    private void status(Exchange ex) {
        QueueStatusReader.Reading r = reader.readStatus();
        Rendered body = last;
        if (!body.status().equals(r.status())) {
            body = render(r.status());
            last = body;
        }
        ex.header(SOURCE_HEADER, r.source().header());
        ex.send(200, Json.CONTENT_TYPE, body.body());
    }

    private static Rendered render(QueueStatus s) {
        try {
            return new Rendered(s, Json.MAPPER.writeValueAsBytes(
                    Json.obj("slot_occupied", s.slotOccupied(), "queue_size", s.queueSize())));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("status not serializable", e);
        }
    }
}
