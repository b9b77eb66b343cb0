package io.opentalking.controlplane.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

import java.util.List;
import java.util.Optional;

/**
 * CORS from {@code OPENTALKING_CORS_ORIGINS}. With '*' the answer is '*' and credentials are never allowed;
 * with a list, a listed origin is echoed. Preflights are answered here, before routing.
 */
final class CorsFilter implements Filter {
    private static final String METHODS = "GET, POST, DELETE, OPTIONS";
    private final List<String> origins;
    private final boolean any;

    CorsFilter(List<String> origins) {
        this.origins = List.copyOf(origins);
        this.any = origins.contains("*");
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        Optional<String> origin = req.headers().first(HeaderNames.ORIGIN);
        Optional<String> allowed = origin.flatMap(this::allow);
        boolean preflight = req.prologue().method() == Method.OPTIONS && origin.isPresent()
                && req.headers().contains(HeaderNames.ACCESS_CONTROL_REQUEST_METHOD);
        if (allowed.isPresent()) {
            res.header(HeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, allowed.get());
            if (!any) {
                res.header(HeaderNames.VARY, "Origin");
            }
            res.header(HeaderNames.ACCESS_CONTROL_EXPOSE_HEADERS,
                    "X-Queue-Status-Source, X-Models-Snapshot-Age-Ms, Retry-After");
        }
        if (preflight) {
            if (allowed.isEmpty()) {
                ErrorMapping.send(res, 400, "Disallowed CORS origin", java.util.Map.of());
                return;
            }
            res.header(HeaderNames.ACCESS_CONTROL_ALLOW_METHODS, METHODS);
            String reqHeaders = req.headers().first(HeaderNames.ACCESS_CONTROL_REQUEST_HEADERS).orElse("Content-Type");
            res.header(HeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, reqHeaders);
            res.header(HeaderNames.ACCESS_CONTROL_MAX_AGE, "600");
            res.status(204).send();
            return;
        }
        chain.proceed();
    }

    private Optional<String> allow(String origin) {
        if (any) {
            return Optional.of("*");
        }
        return origins.contains(origin) ? Optional.of(origin) : Optional.empty();
    }
}
