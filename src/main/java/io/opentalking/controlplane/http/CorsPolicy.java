package io.opentalking.controlplane.http;

import java.util.List;
import java.util.Optional;

/**
 * CORS from {@code OPENTALKING_CORS_ORIGINS}. With '*' the answer is '*' and credentials are never allowed;
 * with a list, a listed origin is echoed. Preflights are answered here, before routing.
 */
final class CorsPolicy {
    private static final String METHODS = "GET, POST, DELETE, OPTIONS";
    private final List<String> origins;
    private final boolean any;

    CorsPolicy(List<String> origins) {
        this.origins = List.copyOf(origins);
        this.any = origins.contains("*");
    }

    boolean enabled() {
        return !origins.isEmpty();
    }

    /** Adds the CORS headers; returns true when this was a preflight and has been answered. */
    boolean apply(Exchange ex) {
        Optional<String> origin = ex.header("Origin");
        Optional<String> allowed = origin.flatMap(this::allow);
        boolean preflight = ex.method().equals("OPTIONS") && origin.isPresent()
                && ex.header("Access-Control-Request-Method").isPresent();
        if (allowed.isPresent()) {
            ex.header("Access-Control-Allow-Origin", allowed.get());
            if (!any) {
                ex.header("Vary", "Origin");
            }
            ex.header("Access-Control-Expose-Headers", "X-Queue-Status-Source, X-Models-Snapshot-Age-Ms, Retry-After");
        }
        if (!preflight) {
            return false;
        }
        if (allowed.isEmpty()) {
            ex.json(400, Json.detail("Disallowed CORS origin"));
            return true;
        }
        ex.header("Access-Control-Allow-Methods", METHODS);
        ex.header("Access-Control-Allow-Headers", ex.header("Access-Control-Request-Headers").orElse("Content-Type"));
        ex.header("Access-Control-Max-Age", "600");
        ex.empty(204);
        return true;
    }

    private Optional<String> allow(String origin) {
        if (any) {
            return Optional.of("*");
        }
        return origins.contains(origin) ? Optional.of(origin) : Optional.empty();
    }
}
