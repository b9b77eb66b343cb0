package io.opentalking.controlplane.http;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Knows every route's path pattern and method, so that a request no route took is answered 405 (with Allow)
 * when its path exists under another method, and 404 otherwise, both as JSON.
 */
final class RouteTable {
    private record Entry(String method, Pattern path) {
    }

    private final List<Entry> entries = new ArrayList<>();

    /** Registers a GET/POST/DELETE route in Helidon and in the table. */
    void add(HttpRouting.Builder routing, String method, String pattern, io.helidon.webserver.http.Handler handler) {
        entries.add(new Entry(method, Pattern.compile(pattern.replaceAll("\\{[^/]+}", "[^/]+"))));
        switch (method) {
            case "GET" -> routing.get(pattern, handler);
            case "POST" -> routing.post(pattern, handler);
            case "DELETE" -> routing.delete(pattern, handler);
            default -> throw new IllegalArgumentException(method);
        }
    }

    /** Registered last: catches what no route took. */
    void installFallback(HttpRouting.Builder routing) {
        routing.any(this::fallback);
    }

    private void fallback(ServerRequest req, ServerResponse res) {
        String path = req.path().path();
        TreeSet<String> allowed = new TreeSet<>();
        for (Entry e : entries) {
            if (e.path.matcher(path).matches()) {
                allowed.add(e.method);
            }
        }
        if (allowed.isEmpty()) {
            ErrorMapping.send(res, 404, "Not Found", Map.of());
        } else {
            res.header(HeaderNames.ALLOW, String.join(", ", allowed));
            ErrorMapping.send(res, 405, "Method Not Allowed", Map.of());
        }
    }
}
