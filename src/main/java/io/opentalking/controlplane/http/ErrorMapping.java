package io.opentalking.controlplane.http;

import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerResponse;
import io.opentalking.controlplane.avatars.AvatarException;
import io.opentalking.controlplane.faults.StoreException;
import io.opentalking.controlplane.sessions.SessionRejected;

import java.util.Map;

/**
 * The one place that turns exceptions into HTTP answers. Every body is {@code {"detail": ...}}; nothing
 * unmapped leaks a class name or a stack trace: it is logged once and answered with a generic 500.
 */
final class ErrorMapping {
    private static final System.Logger LOG = System.getLogger(ErrorMapping.class.getName());
    static final String RETRY_AFTER_SECONDS = "5";

    private ErrorMapping() {
    }

    static void install(HttpRouting.Builder routing) {
        routing.error(ApiError.class, (req, res, e) -> send(res, e.status(), e.getMessage(), e.headers()));
        routing.error(AvatarException.class, (req, res, e) -> send(res, 400, e.getMessage(), Map.of()));
        routing.error(SessionRejected.class, (req, res, e) -> {
            switch (e) {
                case SessionRejected.ModelNotAvailable m -> send(res, 400, m.getMessage(), Map.of());
                case SessionRejected.QueueFull q -> send(res, 503, q.getMessage(), Map.of("Retry-After", RETRY_AFTER_SECONDS));
                case SessionRejected.NotFound n -> send(res, 404, n.getMessage(), Map.of());
                case SessionRejected.Conflict c -> send(res, 409, c.getMessage(), Map.of());
                default -> send(res, 400, e.getMessage(), Map.of());
            }
        });
        routing.error(StoreException.class, (req, res, e) -> {
            LOG.log(System.Logger.Level.WARNING, "{0} {1}: {2}", req.prologue().method().text(), req.path().path(),
                    e.getMessage());
            send(res, 503, e.clientDetail(), Map.of("Retry-After", RETRY_AFTER_SECONDS));
        });
        routing.error(Throwable.class, (req, res, e) -> {
            LOG.log(System.Logger.Level.ERROR, "unhandled error on " + req.prologue().method().text() + " "
                    + req.path().path(), e);
            send(res, 500, "Internal Server Error", Map.of());
        });
    }

    static void send(ServerResponse res, int status, String detail, Map<String, String> headers) {
        if (res.isSent()) {
            return;
        }
        headers.forEach(res::header);
        Json.send(res, status, Json.detail(detail));
    }
}
