package io.opentalking.controlplane.queue;

/** One thing an atomic queue step did to one session. */
public sealed interface QueueChange {
    String sessionId();

    /** The session now holds a slot. */
    record Granted(String sessionId) implements QueueChange {
    }

    /** The session waited longer than the slot timeout and was dropped. */
    record TimedOut(String sessionId) implements QueueChange {
    }

    /** The session held its slot for the maximum time and lost it. */
    record HoldExpired(String sessionId) implements QueueChange {
    }

    /** The session's lease ran out (its replica died or could not renew); its place was reclaimed. */
    record LeaseLost(String sessionId) implements QueueChange {
    }

    /** The session's record is gone (evicted, flushed, deleted); its replica stopped renewing it, so the store reclaims
     * its slot or place when the lease ends. */
    record SessionMissing(String sessionId) implements QueueChange {
    }

    /**
     * Renewal found the session holding a slot though its record does not say so: a grant whose record write was
     * lost (a failover kept the earlier write to the queue and dropped the later one to the record), or one whose
     * record is being written right now, or a grant made by a step whose reply no replica read (a command timeout,
     * a cut connection). The record catches up, and the grant is told again: in the last case no client heard it.
     */
    record Holding(String sessionId) implements QueueChange {
    }

    /** The session's hold ends in {@code remainingSec} seconds. */
    record Expiring(String sessionId, long remainingSec) implements QueueChange {
    }

    /** The session left (DELETE or shutdown) and gave its place or slot back. */
    record Left(String sessionId, boolean wasHolding) implements QueueChange {
    }
}
