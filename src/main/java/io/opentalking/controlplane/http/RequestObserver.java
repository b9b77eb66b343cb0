package io.opentalking.controlplane.http;

/** Told about every routed request and every stream that fell behind; {@code ops} counts them. */
public interface RequestObserver {
    RequestObserver NONE = new RequestObserver() {
    };

    /**
     * @param route  the route template, or {@code unmatched}
     * @param method a routed method, {@code OPTIONS}, {@code HEAD} or {@code other}: never the client's raw text
     */
    default void requestServed(String route, String method, int status, long nanos) {
    }

    default void streamOverflowed() {
    }
}
