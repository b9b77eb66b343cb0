package io.opentalking.controlplane.http;

import io.opentalking.controlplane.queue.QueueStatusReader;

/** {@code GET /queue/status}: never 5xx; a failed store read is zeros plus {@code X-Queue-Status-Source}. */
final class QueueRoutes implements Router.Routes {
    static final String SOURCE_HEADER = "X-Queue-Status-Source";
    private final QueueStatusReader reader;

    QueueRoutes(QueueStatusReader reader) {
        this.reader = reader;
    }

    @Override
    public void register(Router router) {
        router.get("/queue/status", this::status);
    }

    private void status(Exchange ex) {
        QueueStatusReader.Reading r = reader.readStatus();
        ex.header(SOURCE_HEADER, r.source().header());
        ex.json(200, Json.obj("slot_occupied", r.status().slotOccupied(), "queue_size", r.status().queueSize()));
    }
}
