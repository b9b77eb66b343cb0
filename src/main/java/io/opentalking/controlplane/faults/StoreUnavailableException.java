package io.opentalking.controlplane.faults;

/** The store cannot be reached: not connected, connection lost, shut down, or the wait was interrupted. */
public final class StoreUnavailableException extends StoreException {
    private StoreUnavailableException(String store, String operation, String problem, Throwable cause) {
        super(store, operation, problem, cause);
    }

    public static StoreUnavailableException notConnected(String store, String operation) {
        return new StoreUnavailableException(store, operation, "failed: not connected", null);
    }

    public static StoreUnavailableException failed(String store, String operation, Throwable cause) {
        return new StoreUnavailableException(store, operation, "failed" + causeText(cause), cause);
    }

    /** The caller's thread was interrupted while waiting; the interrupt flag has been set again. */
    public static StoreUnavailableException interrupted(String store, String operation, InterruptedException cause) {
        Thread.currentThread().interrupt();
        return new StoreUnavailableException(store, operation, "interrupted", cause);
    }

    @Override
    public String clientDetail() {
        return "the session store is unavailable; retry later";
    }
}
