package io.opentalking.controlplane.queue;

/** The store behind the queue failed or did not answer in time. */
public class QueueStoreException extends RuntimeException {
    public QueueStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
