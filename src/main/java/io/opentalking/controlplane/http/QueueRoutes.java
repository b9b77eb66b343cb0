package io.opentalking.controlplane.http;

import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.opentalking.controlplane.queue.QueueStatusReader;

/** {@code GET /queue/status}: never 5xx; a failed store read is zeros plus {@code X-Queue-Status-Source}. */
final class QueueRoutes {
    static final String SOURCE_HEADER = "X-Queue-Status-Source";
    private final QueueStatusReader reader;

    QueueRoutes(QueueStatusReader reader) {
        this.reader = reader;
    }

    void register(HttpRouting.Builder routing, RouteTable table) {
        table.add(routing, "GET", "/queue/status", this::status);
    }

    private void status(ServerRequest req, ServerResponse res) {
        QueueStatusReader.Reading r = reader.readStatus();
        res.header(SOURCE_HEADER, r.source().header());
        Json.send(res, 200, Json.obj("slot_occupied", r.status().slotOccupied(), "queue_size", r.status().queueSize()));
    }
}
