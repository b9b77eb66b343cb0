package io.opentalking.controlplane.http;

import io.opentalking.controlplane.readiness.Readiness;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code GET /readyz}: 200 while the replica should get traffic, 503 with the reasons while it should not. */
final class ReadinessRoutes implements Router.Routes {
    private final Readiness readiness;

    ReadinessRoutes(Readiness readiness) {
        this.readiness = readiness;
    }

    @Override
    public void register(Router router) {
        router.get("/readyz", this::readyz);
    }

    private void readyz(Exchange ex) {
        // A cached "ready" would hide the drain from the load balancer that asks again.
        ex.header("Cache-Control", "no-store");
        switch (readiness.verdict()) {
            case Readiness.Verdict.Ready r -> ex.json(200, Map.of("status", "ready"));
            case Readiness.Verdict.NotReady n -> {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("status", "not_ready");
                body.put("reasons", n.reasons());
                ex.json(503, body);
            }
        }
    }
}
