package io.opentalking.controlplane.queue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one atomic step did: the admission (for enqueue), the changes, how many of its grants no store replica
 * acknowledged in time (a failover now could lose them), and the waiters whose position changed:
 * {@code moved} holds, in order, the waiters at positions {@code movedFrom + 1}, {@code movedFrom + 2}, ... to the
 * tail (everyone behind the first place vacated in the step, and a newcomer). Waiters ahead of {@code movedFrom}
 * kept their positions and are not named, so a step costs what changed, not the queue's length.
 * {@code storeReplaced}: the step ran on another store server than this replica's previous step (a failover or a
 * restart), so writes this replica made just before it may be lost.
 */
public record Transition(Admission admission, List<QueueChange> changes, int movedFrom, List<String> moved,
                         int holders, int unconfirmedGrants, boolean storeReplaced) {
    public Transition {
        changes = List.copyOf(changes);
        moved = List.copyOf(moved);
        if (movedFrom < 0) {
            throw new IllegalArgumentException("movedFrom must be >= 0, got " + movedFrom);
        }
        if (unconfirmedGrants < 0) {
            throw new IllegalArgumentException("unconfirmedGrants must be >= 0, got " + unconfirmedGrants);
        }
    }

    /** A step whose grants (if any) are as durable as the store makes them. */
    public Transition(Admission admission, List<QueueChange> changes, int movedFrom, List<String> moved, int holders) {
        this(admission, changes, movedFrom, moved, holders, 0, false);
    }

    /** The same step, with {@code n} of its grants not acknowledged by any store replica in time. */
    public Transition unconfirmed(int n) {
        return new Transition(admission, changes, movedFrom, moved, holders, n, storeReplaced);
    }

    /** The same step, run on another store server than this replica's previous one. */
    public Transition onReplacedStore() {
        return new Transition(admission, changes, movedFrom, moved, holders, unconfirmedGrants, true);
    }

    /** How many sessions this step granted a slot, on admission or by promotion. */
    public int grants() {
        int n = admission instanceof Admission.Granted ? 1 : 0;
        for (QueueChange c : changes) {
            if (c instanceof QueueChange.Granted) {
                n++;
            }
        }
        return n;
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
