package io.opentalking.controlplane.store.redis;

import io.opentalking.controlplane.queue.QueueStatusReader;

/**
 * {@code /queue/status} from the replica-local copy while it is within its bound, refreshed ahead of time as it
 * ages; without a young enough copy (no notices, Redis gone) every request reads Redis as before, with the same
 * source header and zeros on failure.
 */
final class MirroredStatusReader implements QueueStatusReader {
    private final StatusCopy copy;
    private final Runnable refreshAhead;
    private final QueueStatusReader fallback;

    MirroredStatusReader(StatusCopy copy, Runnable refreshAhead, QueueStatusReader fallback) {
        this.copy = copy;
        this.refreshAhead = refreshAhead;
        this.fallback = fallback;
    }

    @Override
    public Reading readStatus() {
        StatusCopy.Lookup found = copy.lookup();
        if (found.refreshDue()) {
            refreshAhead.run();
        }
        return found.reading() != null ? found.reading() : fallback.readStatus();
    }
}
