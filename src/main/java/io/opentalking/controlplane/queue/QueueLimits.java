package io.opentalking.controlplane.queue;

import io.opentalking.controlplane.config.QueueConfig;

/** The numbers an atomic queue step needs, in milliseconds; 0 means "no limit" for the optional ones. */
public record QueueLimits(int slots, int maxQueue, long leaseMs, long waitTimeoutMs, long maxHoldMs,
                          long expiringNoticeMs) {
    public static QueueLimits from(QueueConfig c) {
        return new QueueLimits(c.slots(), c.maxQueueSize(), c.lease().toMillis(), c.slotTimeout().toMillis(),
                c.maxSession().toMillis(), c.expiringNotice().toMillis());
    }
}
