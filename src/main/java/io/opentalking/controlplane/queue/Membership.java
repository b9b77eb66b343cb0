package io.opentalking.controlplane.queue;

/** Where a session stands in the queue. */
public sealed interface Membership {
    record Holding() implements Membership {
    }

    record Waiting(int position) implements Membership {
    }

    record Absent() implements Membership {
    }
}
