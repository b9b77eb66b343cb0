package io.opentalking.controlplane.queue;

/** The answer to "may this session have a slot?". */
public sealed interface Admission {
    /** A slot is held now. */
    record Granted() implements Admission {
    }

    /** Waiting at this 1-based position. */
    record Queued(int position) implements Admission {
    }

    /** The waiting list is full. */
    record Full(int waiting) implements Admission {
    }

    /** Already in the queue (idempotent retry). */
    record AlreadyPresent(Membership membership) implements Admission {
    }
}
