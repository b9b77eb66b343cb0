package io.opentalking.controlplane.http;

import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.opentalking.controlplane.availability.ModelAvailability;
import io.opentalking.controlplane.availability.ModelsDocument;
import io.opentalking.controlplane.availability.ModelsSnapshot;

import java.time.Clock;
import java.util.Map;

/** {@code GET /models}: the catalog and each model's status, served from the shared snapshot. */
final class ModelRoutes {
    private final ModelAvailability availability;
    private final Clock clock;

    ModelRoutes(ModelAvailability availability, Clock clock) {
        this.availability = availability;
        this.clock = clock;
    }

    void register(HttpRouting.Builder routing, RouteTable table) {
        table.add(routing, "GET", "/models", this::models);
    }

    private void models(ServerRequest req, ServerResponse res) {
        ModelsSnapshot snap = availability.current();
        res.header("X-Models-Snapshot-Age-Ms", Long.toString(Math.max(0, snap.age(clock.instant()).toMillis())));
        res.header(io.helidon.http.HeaderNames.CONTENT_TYPE, Json.CONTENT_TYPE);
        res.send(encoded(snap));
    }

    /** A snapshot is immutable, so its JSON is written once and served as bytes until the next round. */
    private byte[] encoded(ModelsSnapshot snap) {
        Encoded e = lastEncoded.get();
        if (e == null || e.snapshot != snap) {
            try {
                e = new Encoded(snap, Json.MAPPER.writeValueAsBytes(body(snap)));
            } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
                throw new IllegalStateException("models body not serializable", ex);
            }
            lastEncoded.set(e);
        }
        return e.bytes;
    }

    private record Encoded(ModelsSnapshot snapshot, byte[] bytes) {
    }

    private final java.util.concurrent.atomic.AtomicReference<Encoded> lastEncoded =
            new java.util.concurrent.atomic.AtomicReference<>();

    static Map<String, Object> body(ModelsSnapshot snap) {
        return ModelsDocument.of(snap);
    }
}
