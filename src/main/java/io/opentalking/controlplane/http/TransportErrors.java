package io.opentalking.controlplane.http;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.http.DirectHandlers;

import java.nio.charset.StandardCharsets;

/**
 * Answers for requests the web server rejects before routing (unparsable request lines, control bytes in a
 * method, bad headers): a JSON {@code {"detail"}} with a 4xx, never a 500 for what is the client's fault, and
 * never the parser's message. Errors inside handlers go through {@link ErrorMapping} instead.
 */
public final class TransportErrors implements DirectHandler {
    private TransportErrors() {
    }

    public static DirectHandlers handlers() {
        TransportErrors h = new TransportErrors();
        DirectHandlers.Builder b = DirectHandlers.builder();
        for (EventType t : EventType.values()) {
            b.addHandler(t, h);
        }
        return b.build();
    }

    @Override
    public TransportResponse handle(TransportRequest request, EventType eventType, Status status,
                                    ServerResponseHeaders headers, String message) {
        Status answer = switch (eventType) {
            // Before routing, an "internal" error is input the parser could not take (e.g. a control byte).
            case BAD_REQUEST, INTERNAL_ERROR -> Status.BAD_REQUEST_400;
            case PAYLOAD_TOO_LARGE -> Status.REQUEST_ENTITY_TOO_LARGE_413;
            case FORBIDDEN -> Status.FORBIDDEN_403;
            case HTTP_VERSION_NOT_SUPPORTED -> Status.HTTP_VERSION_NOT_SUPPORTED_505;
            case OTHER -> status.code() >= 500 ? Status.BAD_REQUEST_400 : status;
        };
        String body = "{\"detail\":\"" + answer.reasonPhrase() + "\"}";
        return TransportResponse.builder()
                .status(answer)
                .headers(headers)
                .header(HeaderNames.CONTENT_TYPE, Json.CONTENT_TYPE)
                .keepAlive(false)
                .entity(body.getBytes(StandardCharsets.UTF_8))
                .build();
    }
}
