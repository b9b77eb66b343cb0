package io.opentalking.controlplane.faults;

import java.util.regex.Pattern;

/**
 * The store (Redis or the embedded one) could not do what was asked. One root for every port, so the HTTP layer
 * maps it once (503 with {@code Retry-After}). The message names the store and the operation for the log; it is
 * never shown to a client ({@link #clientDetail()} is) and never carries a password.
 */
public abstract sealed class StoreException extends RuntimeException
        permits StoreUnavailableException, StoreTimeoutException, StoreReplyException {
    /** {@code scheme://user:secret@host} → {@code scheme://***@host}, in case a caller passes a raw url. */
    private static final Pattern USER_INFO = Pattern.compile("(?<=://)[^/@\\s]+@");

    private final String store;
    private final String operation;

    StoreException(String store, String operation, String problem, Throwable cause) {
        super(redact(store + ": " + operation + " " + problem), cause);
        this.store = redact(store);
        this.operation = operation;
    }

    /** Which store, as {@code StoreConfig.describe()} names it (no password). */
    public String store() {
        return store;
    }

    /** What was being done, e.g. {@code "queue step enqueue"} or {@code "session find"}. */
    public String operation() {
        return operation;
    }

    /** The {@code detail} a client may see: says what to do, names no host. */
    public abstract String clientDetail();

    static String redact(String s) {
        return s == null ? "" : USER_INFO.matcher(s).replaceAll("***@");
    }

    static String causeText(Throwable cause) {
        if (cause == null) {
            return "";
        }
        String m = cause.getMessage();
        return ": " + (m == null || m.isBlank() ? cause.getClass().getSimpleName() : m);
    }
}
