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
    /**
     * How the JDK prints socket addresses: {@code host/<unresolved>:port} for one given by name (Lettuce's), and
     * {@code /1.2.3.4:port} for one without a host name (Netty's). Neither slash tells an operator anything.
     */
    private static final Pattern ADDRESS_NOISE = Pattern.compile("/<unresolved>|(?<=^|[\\s\\[(])/(?=[0-9\\[])");

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
        return ": " + messageOf(cause);
    }

    /** A throwable's message (its class name if it has none) with socket addresses printed plainly. */
    public static String messageOf(Throwable t) {
        String m = t.getMessage();
        return withPlainAddresses(m == null || m.isBlank() ? t.getClass().getSimpleName() : m);
    }

    /** {@code 127.0.0.1/<unresolved>:6379} → {@code 127.0.0.1:6379}, {@code refused: /10.0.0.5:6379} → {@code refused: 10.0.0.5:6379}. */
    public static String withPlainAddresses(String s) {
        return ADDRESS_NOISE.matcher(s).replaceAll("");
    }
}
