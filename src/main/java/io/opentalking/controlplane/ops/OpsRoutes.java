package io.opentalking.controlplane.ops;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.opentalking.controlplane.availability.ModelAvailability;
import io.opentalking.controlplane.availability.ModelsSnapshot;
import io.opentalking.controlplane.http.HttpApi;
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
public final class OpsRoutes implements HttpApi.Extension {
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
    public void accept(HttpRouting.Builder routing, HttpApi.Registrar reg) {
        reg.get("/metrics", this::metrics);
        reg.get("/openapi.json", (req, res) -> bytes(res, openapi, "application/json; charset=utf-8"));
        reg.get("/", (req, res) -> {
            // Everything the page loads comes from this server; nothing inline, nothing from the internet.
            res.header("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; base-uri 'none'; "
                    + "form-action 'none'; frame-ancestors 'none'");
            page(res, page, "text/html; charset=utf-8");
        });
        reg.get("/status/app.js", (req, res) -> page(res, script, "text/javascript; charset=utf-8"));
        reg.get("/status/style.css", (req, res) -> page(res, style, "text/css; charset=utf-8"));
        reg.get("/status.json", this::statusJson);
    }

    private void metrics(ServerRequest req, ServerResponse res) {
        if (availability.peek().isEmpty()) {
            // A scrape in the first moments after start-up: wait (bounded) for the first probe round, so the
            // model gauges are there instead of missing and the snapshot age is a number, not NaN.
            availability.current();
        }
        bytes(res, metrics.scrape().getBytes(StandardCharsets.UTF_8), "text/plain; version=0.0.4; charset=utf-8");
    }

    /** Everything the status page shows, in one request. */
    private void statusJson(ServerRequest req, ServerResponse res) {
        ModelsSnapshot snap = availability.current();
        QueueStatusReader.Reading q = status.readStatus();
        Map<String, Object> body = new LinkedHashMap<>(HttpApi.modelsBody(snap));
        Map<String, Object> queue = new LinkedHashMap<>();
        queue.put("slot_occupied", q.status().slotOccupied());
        queue.put("queue_size", q.status().queueSize());
        queue.put("source", q.source().header());
        body.put("queue", queue);
        body.put("snapshot_age_ms", Math.max(0, snap.age(clock.instant()).toMillis()));
        body.put("snapshot_taken_at", snap.takenAt().toString());
        HttpApi.sendJson(res, 200, body);
    }

    /** The status page and its assets: small, so always revalidated rather than cached stale after an upgrade. */
    private static void page(ServerResponse res, byte[] body, String type) {
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        res.header("X-Content-Type-Options", "nosniff");
        bytes(res, body, type);
    }

    private static void bytes(ServerResponse res, byte[] body, String type) {
        res.header(HeaderNames.CONTENT_TYPE, type);
        res.send(body);
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
