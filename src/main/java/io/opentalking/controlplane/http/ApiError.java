package io.opentalking.controlplane.http;

import java.util.Map;

/** An HTTP error decided by a handler: status, client-facing detail, extra headers. */
final class ApiError extends RuntimeException {
    private final int status;
    private final Map<String, String> headers;

    ApiError(int status, String detail) {
        this(status, detail, Map.of());
    }

    ApiError(int status, String detail, Map<String, String> headers) {
        super(detail, null, false, false);
        this.status = status;
        this.headers = Map.copyOf(headers);
    }

    int status() {
        return status;
    }

    Map<String, String> headers() {
        return headers;
    }
}
