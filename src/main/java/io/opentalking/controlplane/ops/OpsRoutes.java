package io.opentalking.controlplane.ops;

import io.opentalking.controlplane.availability.ModelAvailability;
import io.opentalking.controlplane.availability.ModelsDocument;
import io.opentalking.controlplane.availability.ModelsSnapshot;
import io.opentalking.controlplane.http.Exchange;
import io.opentalking.controlplane.http.Router;
import io.opentalking.controlplane.queue.QueueStatusReader;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Operator routes: {@code /metrics}, {@code /openapi.json}, the status page {@code /} with its script and style
 * ({@code /status/app.js}, {@code /status/style.css}) and its data {@code /status.json}.
 */
public final class OpsRoutes implements Router.Routes {
    private final Metrics metrics;
    private final ModelAvailability availability;
    private final QueueStatusReader status;
    private final Clock clock;
    private final byte[] openapi;
    private final byte[] page;
    private final byte[] script;
    private final byte[] style;

    public OpsRoutes(Metrics metrics, ModelAvailability availability, QueueStatusReader status, Clock clock) {
        this.metrics = metrics;
        this.availability = availability;
        this.status = status;
        this.clock = clock;
        this.openapi = resource("/openapi.json");
        this.page = resource("/status/index.html");
        this.script = resource("/status/app.js");
        this.style = resource("/status/style.css");
    }

    @Override
    public void register(Router router) {
        router.get("/metrics", this::metrics)
                .get("/openapi.json", ex -> ex.send(200, "application/json; charset=utf-8", openapi))
                .get("/", ex -> {
                    // Everything the page loads comes from this server; nothing inline, nothing from the internet.
                    ex.header("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; base-uri 'none'; "
                            + "form-action 'none'; frame-ancestors 'none'");
                    page(ex, page, "text/html; charset=utf-8");
                })
                .get("/status/app.js", ex -> page(ex, script, "text/javascript; charset=utf-8"))
                .get("/status/style.css", ex -> page(ex, style, "text/css; charset=utf-8"))
                .get("/status.json", this::statusJson);
    }

    private void metrics(Exchange ex) {
        if (availability.peek().isEmpty()) {
            // A scrape in the first moments after start-up: wait (bounded) for the first probe round, so the
            // model gauges are there instead of missing and the snapshot age is a number, not NaN.
            availability.current();
        }
        ex.send(200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape().getBytes(StandardCharsets.UTF_8));
    }

    /** Everything the status page shows, in one request. */
    private void statusJson(Exchange ex) {
        ModelsSnapshot snap = availability.current();
        QueueStatusReader.Reading q = status.readStatus();
        Map<String, Object> body = new LinkedHashMap<>(ModelsDocument.of(snap));
        Map<String, Object> queue = new LinkedHashMap<>();
        queue.put("slot_occupied", q.status().slotOccupied());
        queue.put("queue_size", q.status().queueSize());
        queue.put("source", q.source().header());
        body.put("queue", queue);
        body.put("snapshot_age_ms", Math.max(0, snap.age(clock.instant()).toMillis()));
        body.put("snapshot_taken_at", snap.takenAt().toString());
        ex.json(200, body);
    }

    /** The status page and its assets: small, so always revalidated rather than cached stale after an upgrade. */
    private static void page(Exchange ex, byte[] body, String type) {
        ex.header("Cache-Control", "no-cache");
        ex.header("X-Content-Type-Options", "nosniff");
        ex.send(200, type, body);
    }

    private static byte[] resource(String name) {
        try (InputStream in = OpsRoutes.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
