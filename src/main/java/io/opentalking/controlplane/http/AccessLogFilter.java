package io.opentalking.controlplane.http;

import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/** One line per request (method, path, status, milliseconds), when {@code OPENTALKING_ACCESS_LOG} is on. */
final class AccessLogFilter implements Filter {
    private static final System.Logger LOG = System.getLogger("io.opentalking.controlplane.access");

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        long t0 = System.nanoTime();
        try {
            chain.proceed();
        } finally {
            LOG.log(System.Logger.Level.INFO, "{0} {1} {2} {3}ms", req.prologue().method().text(), req.path().path(),
                    res.status().code(), (System.nanoTime() - t0) / 1_000_000);
        }
    }
}
