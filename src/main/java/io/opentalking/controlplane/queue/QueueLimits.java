package io.opentalking.controlplane.queue;

import io.opentalking.controlplane.config.QueueConfig;

/** The numbers an atomic queue step needs, in milliseconds; 0 means "no limit" for the optional ones. */
public record QueueLimits(int slots, int maxQueue, long leaseMs, long waitTimeoutMs, long maxHoldMs,
                          long expiringNoticeMs) {
    /**
     * How long before its lease ends in the store a replica that cannot renew gives a session up locally: by then
     * no one else can have been granted its slot.
     */
    public long giveUpMarginMs() {
        return giveUpMarginMs(leaseMs);
    }

    static long giveUpMarginMs(long leaseMs) {
        return Math.max(leaseMs / 5, 100);
    }

    /**
     * A waiter whose lease ends within this margin is not granted a slot (promotion waits until it is renewed or
     * reclaimed): its replica may already have given it up, unable to tell anyone. The give-up margin plus room for
     * the renewal's round trip. {@code slot_queue.lua} computes the same.
     */
    public long promoteMarginMs() {
        return giveUpMarginMs(leaseMs) + Math.max(leaseMs / 20, 50);
    }

    /**
     * How long a slot taken from a holder that did not give it up (its lease ran out, or its maximum hold) stays
     * free before anyone is granted it: the step that takes it tells the old holder, and that notice (an event, the
     * record it closes) must reach the old holder's client before the next holder's client hears of its grant. A
     * fifth of the lease, within [100, 500] ms, so a dead holder's slot is granted again within lease + 1 s.
     * {@code slot_queue.lua} computes the same.
     */
    public long reclaimNoticeMs() {
        return Math.min(giveUpMarginMs(leaseMs), 500);
    }

    public static QueueLimits from(QueueConfig c) {
        return new QueueLimits(c.slots(), c.maxQueueSize(), c.lease().toMillis(), c.slotTimeout().toMillis(),
                c.maxSession().toMillis(), c.expiringNotice().toMillis());
    }
}
