package io.opentalking.controlplane.store.memory;

import io.opentalking.controlplane.queue.Admission;
import io.opentalking.controlplane.queue.Membership;
import io.opentalking.controlplane.queue.QueueChange;
import io.opentalking.controlplane.queue.QueueLimits;
import io.opentalking.controlplane.queue.QueueStatus;
import io.opentalking.controlplane.queue.QueueStatusReader;
import io.opentalking.controlplane.queue.SlotStore;
import io.opentalking.controlplane.queue.Transition;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The slot queue for a single replica, in memory, with the same step semantics as the Redis scripts: every
 * step reclaims, promotes in FIFO order and rewrites the status hash under one lock. Ranks are found by walking
 * the waiting list (O(n) per removal, no allocation): this store serves one replica, the Redis one scales.
 */
public final class MemorySlotStore implements SlotStore, QueueStatusReader {
    private final Clock clock;
    private final Map<String, Long> holders = new LinkedHashMap<>();
    private final Map<String, Long> waiting = new LinkedHashMap<>();
    private final Map<String, Long> waitDeadlines = new HashMap<>();
    private final Map<String, Long> holdDeadlines = new HashMap<>();
    private final Map<String, Long> expiringAt = new HashMap<>();
    /** Sessions that left recently, with when to forget them: a renewal then reads "left", not "lease lost". */
    private final Map<String, Long> left = new HashMap<>();
    /** Slots taken from holders that did not give them up, with until when no one is granted them (as the script). */
    private final Map<String, Long> reclaimed = new HashMap<>();
    /** What the last step left, as the Redis store's status hash says it; empty before the first step. */
    private volatile Optional<Status> status = Optional.empty();
    /** The smallest rank a waiter removed in the current step had, -1 if none (see {@code slot_queue.lua}). */
    private int movedFrom = -1;

    /** The status the last step wrote, in the shape of upstream's status hash, with typed fields. */
    public record Status(boolean slotOccupied, int queueSize, int slotsInUse, int slotsTotal, long updatedAtMs) {
        boolean sameFields(Status o) {
            return slotOccupied == o.slotOccupied && queueSize == o.queueSize && slotsInUse == o.slotsInUse
                    && slotsTotal == o.slotsTotal;
        }
    }

    public MemorySlotStore(Clock clock) {
        this.clock = clock;
    }

    @Override
    public synchronized Transition enqueue(String sid, QueueLimits limits) {
        long now = clock.millis();
        movedFrom = -1;
        List<QueueChange> changes = new ArrayList<>();
        reclaim(now, limits, changes);
        promote(now, limits, changes);
        Admission admission;
        if (holders.containsKey(sid)) {
            admission = new Admission.AlreadyPresent(new Membership.Holding());
        } else if (waiting.containsKey(sid)) {
            admission = new Admission.AlreadyPresent(new Membership.Waiting(position(sid)));
        } else if (free(limits) > 0 && waiting.isEmpty()) {
            grant(sid, now, limits);
            admission = new Admission.Granted();
        } else if (limits.maxQueue() > 0 && waiting.size() >= limits.maxQueue()) {
            admission = new Admission.Full(waiting.size());
        } else {
            waiting.put(sid, now + limits.leaseMs());
            if (limits.waitTimeoutMs() > 0) {
                waitDeadlines.put(sid, now + limits.waitTimeoutMs());
            }
            admission = new Admission.Queued(waiting.size());
        }
        return finish(admission, changes, now, limits);
    }

    @Override
    public synchronized Transition leave(String sid, QueueLimits limits) {
        long now = clock.millis();
        movedFrom = -1;
        List<QueueChange> changes = new ArrayList<>();
        reclaim(now, limits, changes);
        if (holders.remove(sid) != null) {
            forgetHold(sid);
            changes.add(new QueueChange.Left(sid, true));
        } else if (waiting.containsKey(sid)) {
            dropWait(sid);
            changes.add(new QueueChange.Left(sid, false));
        }
        left.put(sid, now + 2 * limits.leaseMs());
        promote(now, limits, changes);
        return finish(null, changes, now, limits);
    }

    @Override
    public synchronized Transition renew(Collection<String> granted, Collection<String> queued, QueueLimits limits) {
        long now = clock.millis();
        movedFrom = -1;
        List<QueueChange> changes = new ArrayList<>();
        reclaim(now, limits, changes);
        Set<String> toldHolding = Set.copyOf(granted);
        List<String> sids = new ArrayList<>(granted);
        sids.addAll(queued);
        for (String sid : sids) {
            if (holders.containsKey(sid)) {
                holders.put(sid, now + limits.leaseMs());
                if (!toldHolding.contains(sid)) {
                    changes.add(new QueueChange.Holding(sid));   // as slot_queue.lua: its record did not say so
                }
            } else if (waiting.containsKey(sid) && toldHolding.contains(sid)) {
                // As slot_queue.lua: told it holds, found waiting; it leaves rather than believe a lost grant.
                dropWait(sid);
                changes.add(new QueueChange.LeaseLost(sid));
            } else if (waiting.containsKey(sid)) {
                waiting.put(sid, now + limits.leaseMs());
            } else if (left.containsKey(sid)) {
                changes.add(new QueueChange.Left(sid, false));
            } else if (changes.stream().noneMatch(c -> c.sessionId().equals(sid))) {
                changes.add(new QueueChange.LeaseLost(sid));
            }
        }
        promote(now, limits, changes);
        return finish(null, changes, now, limits);
    }

    @Override
    public synchronized Transition sweep(QueueLimits limits) {
        long now = clock.millis();
        movedFrom = -1;
        List<QueueChange> changes = new ArrayList<>();
        reclaim(now, limits, changes);
        promote(now, limits, changes);
        return finish(null, changes, now, limits);
    }

    @Override
    public synchronized Membership membership(String sid) {
        if (holders.containsKey(sid)) {
            return new Membership.Holding();
        }
        if (waiting.containsKey(sid)) {
            return new Membership.Waiting(position(sid));
        }
        return new Membership.Absent();
    }

    @Override
    public Reading readStatus() {
        return new Reading(status.map(s -> new QueueStatus(s.slotOccupied(), s.queueSize())).orElse(QueueStatus.ZERO),
                Source.MEMORY);
    }

    /** The status as the last step wrote it, for tests. */
    public Optional<Status> status() {
        return status;
    }

    private void reclaim(long now, QueueLimits limits, List<QueueChange> changes) {
        left.values().removeIf(until -> until <= now);
        reclaimed.values().removeIf(until -> until <= now);
        expire(holders, now, limits, changes, true);
        expire(waiting, now, limits, changes, false);
        for (Iterator<Map.Entry<String, Long>> it = waitDeadlines.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Long> e = it.next();
            if (e.getValue() <= now) {
                it.remove();
                dropWait(e.getKey());
                changes.add(new QueueChange.TimedOut(e.getKey()));
            }
        }
        for (Iterator<Map.Entry<String, Long>> it = holdDeadlines.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Long> e = it.next();
            if (e.getValue() <= now) {
                it.remove();
                holders.remove(e.getKey());
                expiringAt.remove(e.getKey());
                reclaimed.put(e.getKey(), now + limits.reclaimNoticeMs());
                changes.add(new QueueChange.HoldExpired(e.getKey()));
            }
        }
        for (Iterator<Map.Entry<String, Long>> it = expiringAt.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Long> e = it.next();
            if (e.getValue() <= now) {
                it.remove();
                long remaining = Math.max(0, (holdDeadlines.getOrDefault(e.getKey(), now) - now) / 1000);
                changes.add(new QueueChange.Expiring(e.getKey(), remaining));
            }
        }
    }

    private void expire(Map<String, Long> leases, long now, QueueLimits limits, List<QueueChange> changes,
                        boolean holding) {
        List<String> expired = new ArrayList<>();
        leases.forEach((sid, until) -> {
            if (until <= now) {
                expired.add(sid);
            }
        });
        for (String sid : expired) {
            if (holding) {
                holders.remove(sid);
                forgetHold(sid);
                reclaimed.put(sid, now + limits.reclaimNoticeMs());
            } else {
                dropWait(sid);
            }
            changes.add(new QueueChange.LeaseLost(sid));
        }
    }

    /** Removes a waiter, noting its rank: every waiter behind the smallest such rank moved up in this step. */
    private void dropWait(String sid) {
        int rank = position(sid) - 1;
        if (rank >= 0 && (movedFrom < 0 || rank < movedFrom)) {
            movedFrom = rank;
        }
        waiting.remove(sid);
        waitDeadlines.remove(sid);
    }

    private void promote(long now, QueueLimits limits, List<QueueChange> changes) {
        while (free(limits) > 0 && !waiting.isEmpty()) {
            String next = waiting.keySet().iterator().next();
            if (waiting.get(next) - now < limits.promoteMarginMs()) {
                break;   // as slot_queue.lua: its replica may have given it up; wait until renewed or reclaimed
            }
            dropWait(next);
            grant(next, now, limits);
            changes.add(new QueueChange.Granted(next));
        }
    }

    /** Slots neither held nor in their reclaim notice. */
    private int free(QueueLimits limits) {
        return limits.slots() - holders.size() - reclaimed.size();
    }

    private void grant(String sid, long now, QueueLimits limits) {
        holders.put(sid, now + limits.leaseMs());
        if (limits.maxHoldMs() > 0) {
            holdDeadlines.put(sid, now + limits.maxHoldMs());
            expiringAt.put(sid, now + Math.max(0, limits.maxHoldMs() - limits.expiringNoticeMs()));
        }
    }

    private void forgetHold(String sid) {
        holdDeadlines.remove(sid);
        expiringAt.remove(sid);
    }

    private int position(String sid) {
        int i = 1;
        for (String w : waiting.keySet()) {
            if (w.equals(sid)) {
                return i;
            }
            i++;
        }
        return -1;
    }

    private Transition finish(Admission admission, List<QueueChange> changes, long now, QueueLimits limits) {
        Status next = new Status(!holders.isEmpty(), waiting.size(), holders.size(), limits.slots(), now);
        // As the Redis script: written only when a field changed, so updated_at is the time of the last change.
        if (status.isEmpty() || !status.get().sameFields(next)) {
            status = Optional.of(next);
        }
        if (admission instanceof Admission.Queued q && (movedFrom < 0 || q.position() - 1 < movedFrom)) {
            movedFrom = q.position() - 1;
        }
        List<String> moved = movedFrom < 0 ? List.of()
                : waiting.keySet().stream().skip(movedFrom).toList();
        return new Transition(admission, changes, Math.max(movedFrom, 0), moved, holders.size());
    }
}
