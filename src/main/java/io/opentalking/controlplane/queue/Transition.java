package io.opentalking.controlplane.queue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one atomic step did: the admission (for enqueue), the changes, and the waiters whose position changed:
 * {@code moved} holds, in order, the waiters at positions {@code movedFrom + 1}, {@code movedFrom + 2}, ... to the
 * tail (everyone behind the first place vacated in the step, and a newcomer). Waiters ahead of {@code movedFrom}
 * kept their positions and are not named, so a step costs what changed, not the queue's length.
 */
public record Transition(Admission admission, List<QueueChange> changes, int movedFrom, List<String> moved,
                         int holders) {
    public Transition {
        changes = List.copyOf(changes);
        moved = List.copyOf(moved);
        if (movedFrom < 0) {
            throw new IllegalArgumentException("movedFrom must be >= 0, got " + movedFrom);
        }
    }

    /** The new 1-based position of each waiter whose position changed, in queue order. */
    public Map<String, Integer> newPositions() {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (int i = 0; i < moved.size(); i++) {
            out.put(moved.get(i), movedFrom + i + 1);
        }
        return out;
    }
}
