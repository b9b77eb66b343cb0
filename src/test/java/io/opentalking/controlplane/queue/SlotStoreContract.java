package io.opentalking.controlplane.queue;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

/**
 * The contract of a {@link SlotStore} (CONTRACT §3, §4: "one suite of contract tests runs against both stores").
 * Subclasses give a fresh, empty store per test, its status reader, the status as stored, and the store's time:
 * the memory store runs on a test clock that {@link #pass} moves at once; Redis uses its own clock, so there
 * {@link #pass} really waits. Every wait is written in store time, so both suites share one set of tests.
 */
abstract class SlotStoreContract {
    static final long LONG = 60_000;

    /** A fresh, empty store for this test. */
    protected abstract SlotStore store();

    protected abstract QueueStatusReader reader();

    /** The status exactly as stored (empty when absent), read without the lenient parse. */
    protected abstract Optional<StoredStatus> storedStatus();

    protected abstract QueueStatusReader.Source source();

    /** Lets {@code d} of store time pass. */
    protected abstract void pass(Duration d);

    /** Now on the store's clock, in ms. */
    protected abstract long nowMs();

    /** The fields of upstream's status hash, typed; {@code slotOccupied} stored as exactly "1" or "0". */
    record StoredStatus(boolean slotOccupied, int queueSize, int slotsInUse, int slotsTotal, long updatedAtMs) {
    }

    /** The store-time step of every polling wait below. */
    static final Duration STEP = Duration.ofMillis(10);

    /** Lets store time pass in steps until {@code probe} yields a value; fails after {@code max} of store time. */
    <T> T untilPassed(Duration max, String what, Supplier<T> probe) {
        long deadline = nowMs() + max.toMillis();
        while (true) {
            T v = probe.get();
            if (v != null) {
                return v;
            }
            if (nowMs() > deadline) {
                throw new AssertionError("no " + what + " within " + max.toMillis() + " ms of store time");
            }
            pass(STEP);
        }
    }

    static QueueLimits limits(int slots, int maxQueue) {
        return new QueueLimits(slots, maxQueue, LONG, 0, 0, 0);
    }

    // ----------------------------------------------------------------------------------------------------------
    // status hash

    /** Checks the parsed status and the stored status fields written by the last step. */
    void assertStatus(boolean occupied, int waiting, int inUse, int total) {
        QueueStatusReader.Reading r = reader().readStatus();
        assertThat(r.source()).isEqualTo(source());
        assertThat(r.status()).as("parsed status").isEqualTo(new QueueStatus(occupied, waiting));
        StoredStatus h = storedStatus().orElseThrow(() -> new AssertionError("no status stored"));
        assertThat(h.slotOccupied()).as("stored slot_occupied").isEqualTo(occupied);
        assertThat(h.queueSize()).as("stored queue_size").isEqualTo(waiting);
        assertThat(h.slotsInUse()).as("stored slots_in_use").isEqualTo(inUse);
        assertThat(h.slotsTotal()).as("stored slots_total").isEqualTo(total);
        assertThat(h.updatedAtMs()).as("updated_at is the time in ms of the last step that changed a field")
                .isBetween(nowMs() - 10_000, nowMs() + 1_000);
    }

    @Test
    void emptyStoreReadsZeros() {
        store();
        QueueStatusReader.Reading r = reader().readStatus();
        assertThat(r.status()).isEqualTo(QueueStatus.ZERO);
        assertThat(r.source()).isEqualTo(source());
        assertThat(storedStatus()).isEmpty();
    }

    @Test
    void sweepOfAnEmptyQueueWritesAnIdleHash() {
        Transition t = store().sweep(limits(2, 3));
        assertThat(t.changes()).isEmpty();
        assertThat(t.holders()).isZero();
        assertStatus(false, 0, 0, 2);
    }

    // ----------------------------------------------------------------------------------------------------------
    // FIFO and positions

    @Test
    void fifoUnderFiftyConcurrentEnqueuers() throws Exception {
        SlotStore s = store();
        QueueLimits l = limits(1, 0);
        int n = 50;
        Map<String, Admission> admissions = new ConcurrentHashMap<>();
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> fs = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(n)) {
            for (int i = 0; i < n; i++) {
                String id = "c" + i;
                fs.add(pool.submit(() -> {
                    go.await();
                    admissions.put(id, s.enqueue(id, l).admission());
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : fs) {
                f.get(20, TimeUnit.SECONDS);
            }
        }
        List<String> granted = admissions.entrySet().stream().filter(e -> e.getValue() instanceof Admission.Granted)
                .map(Map.Entry::getKey).toList();
        assertThat(granted).as("exactly one of %s enqueuers gets the one slot", n).hasSize(1);
        String[] order = new String[n - 1];
        admissions.forEach((id, a) -> {
            if (a instanceof Admission.Queued q) {
                assertThat(q.position()).isBetween(1, n - 1);
                assertThat(order[q.position() - 1]).as("position %s given twice", q.position()).isNull();
                order[q.position() - 1] = id;
            }
        });
        assertThat(order).as("positions 1..%s, each once", n - 1).doesNotContainNull();
        for (int i = 0; i < order.length; i++) {
            assertThat(s.membership(order[i])).isEqualTo(new Membership.Waiting(i + 1));
        }
        assertStatus(true, n - 1, 1, 1);

        // Release the holder, then each newly granted one: grants follow the waiting list exactly.
        String holder = granted.get(0);
        List<String> grantOrder = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            Transition t = s.leave(holder, l);
            assertThat(t.changes().get(0)).isEqualTo(new QueueChange.Left(holder, true));
            List<String> grants = t.changes().stream().filter(c -> c instanceof QueueChange.Granted)
                    .map(QueueChange::sessionId).toList();
            if (k < n - 1) {
                assertThat(grants).hasSize(1);
                holder = grants.get(0);
                grantOrder.add(holder);
                // Everyone still waiting moved up by one, and is named with the new position.
                assertThat(t.movedFrom()).isZero();
                assertThat(t.moved()).isEqualTo(List.of(order).subList(k + 1, n - 1));
                assertThat(s.membership(holder)).isEqualTo(new Membership.Holding());
            } else {
                assertThat(grants).isEmpty();
            }
        }
        assertThat(grantOrder).isEqualTo(List.of(order));
        assertStatus(false, 0, 0, 1);
    }

    @Test
    void positionsMoveWhenTheHeadOrAMiddleWaiterLeaves() {
        SlotStore s = store();
        QueueLimits l = limits(1, 0);
        assertThat(s.enqueue("a", l).admission()).isEqualTo(new Admission.Granted());
        assertStatus(true, 0, 1, 1);
        for (int i = 1; i <= 5; i++) {
            Transition t = s.enqueue("w" + i, l);
            assertThat(t.admission()).isEqualTo(new Admission.Queued(i));
            assertStatus(true, i, 1, 1);
        }
        assertThat(positions(s, "w1", "w2", "w3", "w4", "w5")).containsExactly(1, 2, 3, 4, 5);

        Transition head = s.leave("w1", l);
        assertThat(head.changes()).containsExactly(new QueueChange.Left("w1", false));
        assertThat(head.newPositions()).containsExactly(entry("w2", 1), entry("w3", 2), entry("w4", 3),
                entry("w5", 4));
        assertThat(positions(s, "w2", "w3", "w4", "w5")).containsExactly(1, 2, 3, 4);
        assertThat(s.membership("w1")).isEqualTo(new Membership.Absent());
        assertStatus(true, 4, 1, 1);

        Transition middle = s.leave("w4", l);
        assertThat(middle.changes()).containsExactly(new QueueChange.Left("w4", false));
        // Only the waiter behind the one who left moved; those ahead are not named.
        assertThat(middle.newPositions()).containsExactly(entry("w5", 3));
        assertThat(positions(s, "w2", "w3", "w5")).containsExactly(1, 2, 3);
        assertStatus(true, 3, 1, 1);

        Transition tail = s.enqueue("w6", l);
        assertThat(tail.admission()).isEqualTo(new Admission.Queued(4));
        assertThat(tail.newPositions()).containsExactly(entry("w6", 4));
        assertStatus(true, 4, 1, 1);

        Transition release = s.leave("a", l);
        assertThat(release.changes()).containsExactly(new QueueChange.Left("a", true), new QueueChange.Granted("w2"));
        assertThat(positions(s, "w3", "w5", "w6")).containsExactly(1, 2, 3);
        assertStatus(true, 3, 1, 1);
    }

    @Test
    void aSessionToldItHoldsButFoundWaitingLeavesAsLeaseLost() {
        QueueLimits l = limits(1, 0);
        SlotStore s = enqueued(l, "a", "b", "c");
        // "b" waits, but its replica says its client was told it holds (a grant a failover lost): it must leave.
        Transition t = s.renew(List.of("a", "b"), List.of("c"), l);
        assertThat(t.changes()).containsExactly(new QueueChange.LeaseLost("b"));
        assertThat(t.newPositions()).containsExactly(entry("c", 1));
        assertThat(s.membership("b")).isEqualTo(new Membership.Absent());
        assertThat(s.membership("a")).isEqualTo(new Membership.Holding());
        assertStatus(true, 1, 1, 1);
        // Told it holds and holding: renewed as usual, nothing changes.
        assertThat(s.renew(List.of("a"), List.of("c"), l).changes()).isEmpty();
        assertThat(positions(s, "c")).containsExactly(1);
    }

    @Test
    void aWaiterWhoseLeaseIsAboutToEndIsNotGrantedUntilRenewedAndNoOneOvertakesIt() {
        QueueLimits l = new QueueLimits(1, 0, 1_000, 0, 0, 0);
        assertThat(l.promoteMarginMs()).isEqualTo(250);
        SlotStore s = enqueued(l, "a", "b", "c");
        pass(Duration.ofMillis(800));
        s.renew(List.of("a"), List.of("c"), l);
        // b's lease ends in under 250 ms: its replica may have given it up already, so the freed slot waits.
        Transition t = s.leave("a", l);
        assertThat(t.changes()).containsExactly(new QueueChange.Left("a", true));
        assertThat(s.membership("b")).isEqualTo(new Membership.Waiting(1));
        assertThat(s.membership("c")).as("FIFO: c does not overtake b").isEqualTo(new Membership.Waiting(2));
        assertStatus(false, 2, 0, 1);
        // Renewed, b is granted by the next step.
        s.renew(List.of(), List.of("b", "c"), l);
        assertThat(s.membership("b")).isEqualTo(new Membership.Holding());
    }

    @Test
    void aStepNamesOnlyTheWaitersWhosePositionChanged() {
        SlotStore s = store();
        QueueLimits l = limits(1, 0);
        s.enqueue("holder", l);
        for (int i = 1; i <= 40; i++) {
            s.enqueue("w" + i, l);
        }
        // A newcomer and a leaving last waiter move nobody else.
        Transition joined = s.enqueue("w41", l);
        assertThat(joined.newPositions()).containsExactly(entry("w41", 41));
        Transition lastLeft = s.leave("w41", l);
        assertThat(lastLeft.newPositions()).isEmpty();
        // Two leave in one renewal's lifetime: each step names those behind its own gap, with their new places.
        Transition w30 = s.leave("w30", l);
        assertThat(w30.movedFrom()).isEqualTo(29);
        assertThat(w30.moved()).containsExactlyElementsOf(
                java.util.stream.IntStream.rangeClosed(31, 40).mapToObj(i -> "w" + i).toList());
        assertThat(w30.newPositions()).containsEntry("w31", 30).containsEntry("w40", 39).hasSize(10);
        assertThat(positions(s, "w29", "w31", "w40")).containsExactly(29, 30, 39);
        // The holder leaving grants w1: everyone behind moves up by one.
        Transition release = s.leave("holder", l);
        assertThat(release.changes()).containsExactly(new QueueChange.Left("holder", true),
                new QueueChange.Granted("w1"));
        assertThat(release.newPositions()).hasSize(38).containsEntry("w2", 1).containsEntry("w40", 38);
    }

    @Test
    void aStepThatChangesNoFieldLeavesTheStatusAsItWas() {
        QueueLimits l = limits(1, 0);
        SlotStore s = enqueued(l, "a", "b");
        long written = storedStatus().orElseThrow().updatedAtMs();
        pass(Duration.ofMillis(50));
        s.sweep(l);
        s.renew(List.of("a"), List.of("b"), l);
        assertThat(storedStatus().orElseThrow().updatedAtMs()).as("no field changed").isEqualTo(written);
        assertStatus(true, 1, 1, 1);
        pass(Duration.ofMillis(50));
        s.leave("b", l);
        assertThat(storedStatus().orElseThrow().updatedAtMs()).as("queue_size changed").isGreaterThan(written);
        assertStatus(true, 0, 1, 1);
    }

    /** A fresh store with these sessions enqueued in this order. */
    private SlotStore enqueued(QueueLimits l, String... ids) {
        SlotStore s = store();
        for (String id : ids) {
            s.enqueue(id, l);
        }
        return s;
    }

    private static List<Integer> positions(SlotStore s, String... ids) {
        List<Integer> out = new ArrayList<>();
        for (String id : ids) {
            Membership m = s.membership(id);
            assertThat(m).as("membership of %s", id).isInstanceOf(Membership.Waiting.class);
            out.add(((Membership.Waiting) m).position());
        }
        return out;
    }

    @Test
    void enqueueTwiceIsIdempotent() {
        SlotStore s = store();
        QueueLimits l = limits(1, 3);
        s.enqueue("a", l);
        s.enqueue("b", l);
        assertThat(s.enqueue("a", l).admission()).isEqualTo(new Admission.AlreadyPresent(new Membership.Holding()));
        assertThat(s.enqueue("b", l).admission())
                .isEqualTo(new Admission.AlreadyPresent(new Membership.Waiting(1)));
        assertStatus(true, 1, 1, 1);
    }

    @Test
    void severalSlotsAreGrantedBeforeAnyoneWaits() {
        SlotStore s = store();
        QueueLimits l = limits(3, 0);
        assertThat(s.enqueue("a", l).admission()).isEqualTo(new Admission.Granted());
        assertStatus(true, 0, 1, 3);
        assertThat(s.enqueue("b", l).admission()).isEqualTo(new Admission.Granted());
        assertThat(s.enqueue("c", l).admission()).isEqualTo(new Admission.Granted());
        assertStatus(true, 0, 3, 3);
        Transition d = s.enqueue("d", l);
        assertThat(d.admission()).isEqualTo(new Admission.Queued(1));
        assertThat(d.holders()).isEqualTo(3);
        assertStatus(true, 1, 3, 3);
        Transition leave = s.leave("b", l);
        assertThat(leave.changes()).containsExactly(new QueueChange.Left("b", true), new QueueChange.Granted("d"));
        assertThat(leave.holders()).isEqualTo(3);
        assertStatus(true, 0, 3, 3);
    }

    // ----------------------------------------------------------------------------------------------------------
    // limits

    @Test
    void fifthEnqueueIsFullWithOneSlotAndThreeWaiting() {
        SlotStore s = store();
        QueueLimits l = limits(1, 3);
        assertThat(s.enqueue("a", l).admission()).isEqualTo(new Admission.Granted());
        assertThat(s.enqueue("b", l).admission()).isEqualTo(new Admission.Queued(1));
        assertThat(s.enqueue("c", l).admission()).isEqualTo(new Admission.Queued(2));
        assertThat(s.enqueue("d", l).admission()).isEqualTo(new Admission.Queued(3));
        assertStatus(true, 3, 1, 1);
        Transition full = s.enqueue("e", l);
        assertThat(full.admission()).isEqualTo(new Admission.Full(3));
        assertThat(full.changes()).isEmpty();
        assertThat(full.newPositions()).isEmpty();
        assertThat(positions(s, "b", "c", "d")).containsExactly(1, 2, 3);
        assertThat(s.membership("e")).isEqualTo(new Membership.Absent());
        assertStatus(true, 3, 1, 1);

        // Room again after someone leaves; the newcomer goes to the end.
        s.leave("c", l);
        assertStatus(true, 2, 1, 1);
        assertThat(s.enqueue("e", l).admission()).isEqualTo(new Admission.Queued(3));
        assertThat(positions(s, "b", "d", "e")).containsExactly(1, 2, 3);
        assertStatus(true, 3, 1, 1);
    }

    @Test
    void waitTimeoutDropsTheWaiter() {
        SlotStore s = store();
        QueueLimits l = new QueueLimits(1, 0, LONG, 300, 0, 0);
        assertThat(s.enqueue("a", l).admission()).isEqualTo(new Admission.Granted());
        long t0 = nowMs();
        assertThat(s.enqueue("b", l).admission()).isEqualTo(new Admission.Queued(1));
        assertThat(s.enqueue("c", l).admission()).isEqualTo(new Admission.Queued(2));
        assertStatus(true, 2, 1, 1);
        Transition t = untilPassed(Duration.ofSeconds(5), "b and c to time out", () -> {
            Transition x = s.sweep(l);
            return x.changes().isEmpty() ? null : x;
        });
        long waitedMs = nowMs() - t0;
        assertThat(waitedMs).as("not before the 300 ms timeout").isGreaterThanOrEqualTo(280);
        assertThat(waitedMs).as("soon after the timeout").isLessThan(2_000);
        // Enqueued a few ms apart, both may time out in the same sweep or one after the other.
        List<QueueChange> all = new ArrayList<>(t.changes());
        if (all.size() < 2) {
            all.addAll(untilPassed(Duration.ofSeconds(2), "c to time out", () -> {
                Transition x = s.sweep(l);
                return x.changes().isEmpty() ? null : x.changes();
            }));
        }
        assertThat(all).containsExactly(new QueueChange.TimedOut("b"), new QueueChange.TimedOut("c"));
        assertThat(s.membership("b")).isEqualTo(new Membership.Absent());
        assertThat(s.membership("a")).isEqualTo(new Membership.Holding());
        assertStatus(true, 0, 1, 1);
    }

    @Test
    void waitTimeoutDoesNotApplyOnceGranted() {
        SlotStore s = store();
        QueueLimits l = new QueueLimits(1, 0, LONG, 300, 0, 0);
        s.enqueue("a", l);
        s.enqueue("b", l);
        assertThat(s.leave("a", l).changes()).contains(new QueueChange.Granted("b"));
        pass(Duration.ofMillis(601));
        assertThat(s.sweep(l).changes()).isEmpty();
        assertThat(s.membership("b")).isEqualTo(new Membership.Holding());
        assertStatus(true, 0, 1, 1);
    }

    @Test
    void maximumHoldExpiresAfterAnExpiringNoticeAndPromotesTheNext() {
        SlotStore s = store();
        QueueLimits l = new QueueLimits(1, 0, LONG, 0, 1_500, 1_400);
        long t0 = nowMs();
        assertThat(s.enqueue("a", l).admission()).isEqualTo(new Admission.Granted());
        assertThat(s.enqueue("b", l).admission()).isEqualTo(new Admission.Queued(1));
        List<QueueChange> seen = new ArrayList<>();
        long[] expiringAt = {-1};
        Transition expired = untilPassed(Duration.ofSeconds(5), "a's hold to expire", () -> {
            Transition x = s.sweep(l);
            for (QueueChange c : x.changes()) {
                if (c instanceof QueueChange.Expiring && expiringAt[0] < 0) {
                    expiringAt[0] = nowMs() - t0;
                    assertStatus(true, 1, 1, 1);
                }
            }
            seen.addAll(x.changes());
            return x.changes().contains(new QueueChange.HoldExpired("a")) ? x : null;
        });
        long expiredAt = nowMs() - t0;
        assertThat(seen).as("notice first, then the end").containsExactly(new QueueChange.Expiring("a", 1),
                new QueueChange.HoldExpired("a"));
        assertThat(expiringAt[0]).as("notice at max hold - notice (100 ms)").isBetween(80L, 1_400L);
        assertThat(expiredAt).as("hold ends after 1500 ms").isBetween(1_480L, 3_500L);
        assertThat(expired.changes()).containsExactly(new QueueChange.HoldExpired("a"));
        // The next in line after the reclaim notice (500 ms with this lease), so a's client hears first.
        Transition g = untilPassed(Duration.ofSeconds(3), "b's grant", () -> {
            Transition x = s.sweep(l);
            return x.changes().isEmpty() ? null : x;
        });
        assertThat(g.changes()).containsExactly(new QueueChange.Granted("b"));
        assertThat(nowMs() - t0 - expiredAt).as("after the notice").isGreaterThanOrEqualTo(l.reclaimNoticeMs() - 15);
        assertThat(s.membership("a")).isEqualTo(new Membership.Absent());
        assertThat(s.membership("b")).isEqualTo(new Membership.Holding());
        assertStatus(true, 0, 1, 1);
    }

    @Test
    void maximumHoldWithoutWaitersFreesTheSlot() {
        SlotStore s = store();
        QueueLimits l = new QueueLimits(1, 0, LONG, 0, 300, 100);
        s.enqueue("a", l);
        List<QueueChange> seen = new ArrayList<>();
        untilPassed(Duration.ofSeconds(5), "a's hold to expire", () -> {
            seen.addAll(s.sweep(l).changes());
            return seen.contains(new QueueChange.HoldExpired("a")) ? true : null;
        });
        assertThat(seen).containsExactly(new QueueChange.Expiring("a", 0), new QueueChange.HoldExpired("a"));
        assertStatus(false, 0, 0, 1);
        // Within the reclaim notice a newcomer waits; after it the slot is free.
        assertThat(s.enqueue("y", l).admission()).isEqualTo(new Admission.Queued(1));
        s.leave("y", l);
        pass(Duration.ofMillis(l.reclaimNoticeMs() + 20));
        assertThat(s.enqueue("z", l).admission()).isEqualTo(new Admission.Granted());
    }

    @Test
    void renewFindingAHolderWhoseRecordSaysQueuedReportsItHolding() {
        QueueLimits l = limits(1, 0);
        SlotStore s = enqueued(l, "a", "b");
        // a's record still says queued (its "created" was lost): the renewal names it among the queued.
        assertThat(s.renew(List.of(), List.of("a", "b"), l).changes()).containsExactly(new QueueChange.Holding("a"));
        assertThat(s.renew(List.of("a"), List.of("b"), l).changes()).as("told it holds: nothing to report").isEmpty();
        assertThat(s.membership("a")).isEqualTo(new Membership.Holding());
        assertStatus(true, 1, 1, 1);
    }

    // ----------------------------------------------------------------------------------------------------------
    // leave

    @Test
    void leaveOfTheHolderPromotesTheNextWaiter() {
        QueueLimits l = limits(1, 3);
        SlotStore s = enqueued(l, "a", "b", "c");
        assertStatus(true, 2, 1, 1);
        Transition t = s.leave("a", l);
        assertThat(t.changes()).containsExactly(new QueueChange.Left("a", true), new QueueChange.Granted("b"));
        assertThat(t.newPositions()).containsExactly(entry("c", 1));
        assertThat(t.holders()).isEqualTo(1);
        assertThat(s.membership("b")).isEqualTo(new Membership.Holding());
        assertThat(s.membership("c")).isEqualTo(new Membership.Waiting(1));
        assertStatus(true, 1, 1, 1);

        assertThat(s.leave("b", l).changes()).containsExactly(new QueueChange.Left("b", true),
                new QueueChange.Granted("c"));
        assertStatus(true, 0, 1, 1);
        assertThat(s.leave("c", l).changes()).containsExactly(new QueueChange.Left("c", true));
        assertStatus(false, 0, 0, 1);
    }

    @Test
    void leaveIsIdempotent() {
        SlotStore s = store();
        QueueLimits l = limits(1, 3);
        s.enqueue("a", l);
        assertThat(s.leave("a", l).changes()).containsExactly(new QueueChange.Left("a", true));
        assertThat(s.leave("a", l).changes()).isEmpty();
        assertThat(s.leave("never-seen", l).changes()).isEmpty();
        assertStatus(false, 0, 0, 1);
    }

    // ----------------------------------------------------------------------------------------------------------
    // leases

    @Test
    void anExpiredHolderLeaseIsReclaimedAndTheSlotGoesToTheNext() {
        SlotStore s = store();
        QueueLimits l = new QueueLimits(1, 0, 600, 0, 0, 0);
        long t0 = nowMs();
        s.enqueue("a", l);
        s.enqueue("b", l);
        // Only b's replica keeps renewing.
        Transition t = untilPassed(Duration.ofSeconds(5), "a's lease to be reclaimed", () -> {
            Transition x = s.renew(List.of(), List.of("b"), l);
            return x.changes().isEmpty() ? null : x;
        });
        long reclaimedAt = nowMs();
        assertThat(reclaimedAt - t0).as("not before the 600 ms lease").isGreaterThanOrEqualTo(580).isLessThan(2_500);
        // The slot stays free for the reclaim notice (120 ms here), so a's client hears first.
        assertThat(t.changes()).containsExactly(new QueueChange.LeaseLost("a"));
        assertThat(s.membership("a")).isEqualTo(new Membership.Absent());
        assertThat(s.membership("b")).isEqualTo(new Membership.Waiting(1));
        assertStatus(false, 1, 0, 1);
        Transition g = untilPassed(Duration.ofSeconds(2), "b's grant", () -> {
            Transition x = s.renew(List.of(), List.of("b"), l);
            return x.changes().isEmpty() ? null : x;
        });
        assertThat(g.changes()).containsExactly(new QueueChange.Granted("b"));
        assertThat(nowMs() - reclaimedAt).as("after the notice, soon").isGreaterThanOrEqualTo(l.reclaimNoticeMs() - 15)
                .isLessThan(1_500);
        assertThat(s.membership("b")).isEqualTo(new Membership.Holding());
        assertStatus(true, 0, 1, 1);

        // a's replica comes back and renews: told its lease is lost.
        assertThat(s.renew(List.of("a", "b"), List.of(), l).changes()).containsExactly(new QueueChange.LeaseLost("a"));
        assertStatus(true, 0, 1, 1);
    }

    @Test
    void anExpiredWaiterLeaseIsReclaimedAndPositionsMove() {
        SlotStore s = store();
        QueueLimits l = new QueueLimits(1, 0, 600, 0, 0, 0);
        s.enqueue("a", l);
        s.enqueue("b", l);
        s.enqueue("c", l);
        Transition t = untilPassed(Duration.ofSeconds(5), "b's lease to be reclaimed", () -> {
            Transition x = s.renew(List.of("a"), List.of("c"), l);
            return x.changes().isEmpty() ? null : x;
        });
        assertThat(t.changes()).containsExactly(new QueueChange.LeaseLost("b"));
        assertThat(t.newPositions()).containsExactly(entry("c", 1));
        assertThat(s.membership("c")).isEqualTo(new Membership.Waiting(1));
        assertStatus(true, 1, 1, 1);
    }

    @Test
    void renewKeepsHoldersAndWaitersAliveFarBeyondTheLease() {
        SlotStore s = store();
        QueueLimits l = new QueueLimits(1, 0, 800, 0, 0, 0);
        s.enqueue("a", l);
        s.enqueue("b", l);
        long t0 = nowMs();
        List<QueueChange> changes = new ArrayList<>();
        while (nowMs() - t0 < 2_000) {
            changes.addAll(s.renew(List.of("a"), List.of("b"), l).changes());
            changes.addAll(s.sweep(l).changes());
            pass(Duration.ofMillis(50));
        }
        assertThat(changes).as("two and a half leases long, nothing lost").isEmpty();
        assertThat(s.membership("a")).isEqualTo(new Membership.Holding());
        assertThat(s.membership("b")).isEqualTo(new Membership.Waiting(1));
        assertStatus(true, 1, 1, 1);
    }

    @Test
    void renewOfUnknownSessionsReportsThemLostOnce() {
        SlotStore s = store();
        QueueLimits l = limits(1, 0);
        s.enqueue("a", l);
        Transition t = s.renew(List.of("a"), List.of("ghost1", "ghost2"), l);
        assertThat(t.changes()).containsExactly(new QueueChange.LeaseLost("ghost1"), new QueueChange.LeaseLost("ghost2"));
        assertThat(s.membership("a")).isEqualTo(new Membership.Holding());
        assertStatus(true, 0, 1, 1);
    }

    @Test
    void renewOfASessionThatLeftThroughAnotherReplicaReportsLeftNotLost() {
        SlotStore s = store();
        QueueLimits l = limits(1, 0);
        s.enqueue("holder", l);
        s.enqueue("waiter", l);
        s.leave("holder", l);
        s.leave("waiter", l);
        // The owner did not see those leaves (DELETE went to another replica); its renewal must not cry lease_lost.
        Transition t = s.renew(List.of("holder"), List.of("waiter", "ghost"), l);
        assertThat(t.changes()).containsExactly(new QueueChange.Left("holder", false),
                new QueueChange.Left("waiter", false), new QueueChange.LeaseLost("ghost"));
        assertStatus(false, 0, 0, 1);
    }

    @Test
    void everyStepReportsEachSessionAtMostOnce() {
        SlotStore s = store();
        QueueLimits l = new QueueLimits(2, 0, 300, 0, 0, 0);
        for (String id : List.of("a", "b", "c", "d")) {
            s.enqueue(id, l);
        }
        // Nobody renews: all four leases run out; a renew naming them must not report them twice.
        pass(Duration.ofMillis(401));
        Transition t = s.renew(List.of("a", "b"), List.of("c", "d"), l);
        Set<String> ids = new HashSet<>();
        for (QueueChange c : t.changes()) {
            assertThat(ids.add(c.sessionId())).as("%s reported twice in %s", c.sessionId(), t.changes()).isTrue();
        }
        assertThat(ids).containsExactlyInAnyOrder("a", "b", "c", "d");
        assertThat(t.changes()).allMatch(c -> c instanceof QueueChange.LeaseLost);
        assertStatus(false, 0, 0, 2);
    }

    @Test
    void statusFollowsEveryStepOfAMixedSequence() {
        SlotStore s = store();
        QueueLimits l = limits(2, 2);
        int[][] expect = {
                // after: a, b, c, d, e(full), leave a, leave c, leave b, leave d
                {1, 0, 1}, {1, 0, 2}, {1, 1, 2}, {1, 2, 2}, {1, 2, 2}, {1, 1, 2}, {1, 0, 2}, {1, 0, 1}, {0, 0, 0}};
        List<Runnable> steps = List.of(() -> s.enqueue("a", l), () -> s.enqueue("b", l), () -> s.enqueue("c", l),
                () -> s.enqueue("d", l), () -> assertThat(s.enqueue("e", l).admission()).isEqualTo(new Admission.Full(2)),
                () -> s.leave("a", l), () -> s.leave("c", l), () -> s.leave("b", l), () -> s.leave("d", l));
        IntStream.range(0, steps.size()).forEach(i -> {
            steps.get(i).run();
            assertStatus(expect[i][0] == 1, expect[i][1], expect[i][2], 2);
        });
    }
}
