package io.opentalking.controlplane.http;

import io.opentalking.controlplane.availability.ModelAvailability;
import io.opentalking.controlplane.availability.ModelsDocument;
import io.opentalking.controlplane.availability.ModelsSnapshot;

import java.time.Clock;

/** {@code GET /models}: the catalog and each model's status, served from the shared snapshot. */
final class ModelRoutes implements Router.Routes {
    private final ModelAvailability availability;
    private final Clock clock;

    ModelRoutes(ModelAvailability availability, Clock clock) {
        this.availability = availability;
        this.clock = clock;
    }

    @Override
    public void register(Router router) {
        router.get("/models", this::models);
    }

    private void models(Exchange ex) {
        ModelsSnapshot snap = availability.current();
        ex.header("X-Models-Snapshot-Age-Ms", Long.toString(Math.max(0, snap.age(clock.instant()).toMillis())));
        ex.send(200, Json.CONTENT_TYPE, encoded(snap));
    }

    /** A snapshot is immutable, so its JSON is written once and served as bytes until the next round. */
    private byte[] encoded(ModelsSnapshot snap) {
        Encoded e = lastEncoded.get();
        if (e == null || e.snapshot != snap) {
            try {
                e = new Encoded(snap, Json.MAPPER.writeValueAsBytes(ModelsDocument.of(snap)));
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
}
