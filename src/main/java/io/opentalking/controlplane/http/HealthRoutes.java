package io.opentalking.controlplane.http;

import java.nio.charset.StandardCharsets;

/** {@code GET /health} and {@code GET /healthz}: liveness, no I/O, a constant body. */
final class HealthRoutes implements Router.Routes {
    private static final byte[] OK = "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8);

    @Override
    public void register(Router router) {
        router.get("/health", this::ok).get("/healthz", this::ok);
    }

    private void ok(Exchange ex) {
        ex.send(200, Json.CONTENT_TYPE, OK);
    }
}
