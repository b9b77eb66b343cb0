package io.opentalking.controlplane.queue;

/** The body of {@code GET /queue/status}: is a slot in use, and how many sessions wait. */
public record QueueStatus(boolean slotOccupied, int queueSize) {
    public static final QueueStatus ZERO = new QueueStatus(false, 0);
}
