package io.opentalking.controlplane.faults;

import java.time.Duration;

/** The store did not answer within the caller's deadline; the command may still have run. */
public final class StoreTimeoutException extends StoreException {
    private final Duration timeout;

    private StoreTimeoutException(String store, String operation, Duration timeout, Throwable cause) {
        super(store, operation, "did not answer within " + timeout.toMillis() + " ms", cause);
        this.timeout = timeout;
    }

    public static StoreTimeoutException after(String store, String operation, Duration timeout, Throwable cause) {
        return new StoreTimeoutException(store, operation, timeout, cause);
    }

    public Duration timeout() {
        return timeout;
    }

    @Override
    public String clientDetail() {
        return "the session store did not answer in time; retry later";
    }
}
