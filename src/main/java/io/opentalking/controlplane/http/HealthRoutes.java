package io.opentalking.controlplane.http;

import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/** {@code GET /health} and {@code GET /healthz}: liveness, no I/O, a constant body. */
final class HealthRoutes {
    private static final byte[] OK = "{\"status\":\"ok\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);

    void register(HttpRouting.Builder routing, RouteTable table) {
        table.add(routing, "GET", "/health", this::ok);
        table.add(routing, "GET", "/healthz", this::ok);
    }

    private void ok(ServerRequest req, ServerResponse res) {
        res.header(io.helidon.http.HeaderNames.CONTENT_TYPE, Json.CONTENT_TYPE);
        res.send(OK);
    }
}
