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

    /**
     * Extends the leases of these sessions; those no longer present come back as {@link QueueChange.LeaseLost}.
     * {@code granted} are sessions whose clients were told they hold a slot: one of them found waiting instead (a
     * failover to a replica that never had its grant) leaves the queue and comes back as LeaseLost too, so no
     * client believes it holds a slot while the queue may grant that slot to another. One of {@code queued} found
     * holding (its record's "created" was lost, or is being written) comes back as {@link QueueChange.Holding}.
     */
    Transition renew(Collection<String> granted, Collection<String> queued, QueueLimits limits);

    Transition sweep(QueueLimits limits);

    Membership membership(String sessionId);
}
