package io.opentalking.controlplane.queue;

import java.util.List;

/**
 * What one atomic step did: the admission (for enqueue), the changes, and the waiting order before and after,
 * from which moved positions are derived.
 */
public record Transition(Admission admission, List<QueueChange> changes, List<String> waitingBefore,
                         List<String> waitingAfter, int holders) {
    public Transition {
        changes = List.copyOf(changes);
        waitingBefore = List.copyOf(waitingBefore);
        waitingAfter = List.copyOf(waitingAfter);
    }
}
