package io.opentalking.controlplane.http;

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
    private static final Map<String, String> RETRY = Map.of("Retry-After", RETRY_AFTER_SECONDS);

    /** The status, client-facing detail and extra headers for one failure. */
    record Answer(int status, String detail, Map<String, String> headers) {
    }

    private ErrorMapping() {
    }

    static Answer answer(Throwable e, String method, String path) {
        return switch (e) {
            case ApiError a -> new Answer(a.status(), a.getMessage(), a.headers());
            case AvatarException a -> new Answer(400, a.getMessage(), Map.of());
            case SessionRejected.ModelNotAvailable m -> new Answer(400, m.getMessage(), Map.of());
            case SessionRejected.QueueFull q -> new Answer(503, q.getMessage(), RETRY);
            case SessionRejected.TooManySessions t -> new Answer(503, t.getMessage(), RETRY);
            case SessionRejected.NotFound n -> new Answer(404, n.getMessage(), Map.of());
            case SessionRejected.Conflict c -> new Answer(409, c.getMessage(), Map.of());
            case SessionRejected r -> new Answer(400, r.getMessage(), Map.of());
            case StoreException s -> {
                // The message names the store and the operation (never a password); the client gets less.
                LOG.log(System.Logger.Level.WARNING, "{0} {1}: {2}", method, path, s.getMessage());
                yield new Answer(503, s.clientDetail(), RETRY);
            }
            default -> {
                LOG.log(System.Logger.Level.ERROR, "unhandled error on " + method + " " + path, e);
                yield new Answer(500, "Internal Server Error", Map.of());
            }
        };
    }

    /** Writes the answer, unless the response was already under way (a stream): then there is nothing to say. */
    static void send(Exchange ex, Answer a) {
        if (!ex.resetForError()) {
            return;
        }
        a.headers().forEach(ex::header);
        ex.json(a.status(), Json.detail(a.detail()));
    }
}
