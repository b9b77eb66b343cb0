package io.opentalking.controlplane.sessions;

/** The session store failed or timed out. */
public class SessionStoreException extends RuntimeException {
    public SessionStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
