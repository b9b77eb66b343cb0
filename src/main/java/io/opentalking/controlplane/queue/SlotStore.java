package io.opentalking.controlplane.queue;

import java.util.Collection;

/**
 * The atomic steps of the slot queue. Every step first reclaims expired leases, timed-out waits and expired
 * holds, then promotes waiters in FIFO order while slots are free, then rewrites the status hash, all as one
 * atomic unit. Implementations: embedded memory and Redis (Lua). Failures throw {@link io.opentalking.controlplane.faults.StoreException}.
 */
public interface SlotStore {
    Transition enqueue(String sessionId, QueueLimits limits);

    Transition leave(String sessionId, QueueLimits limits);

    /** Extends the leases of these sessions; those no longer present come back as {@link QueueChange.LeaseLost}. */
    Transition renew(Collection<String> sessionIds, QueueLimits limits);

    Transition sweep(QueueLimits limits);

    Membership membership(String sessionId);
}
