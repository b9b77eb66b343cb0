package io.opentalking.controlplane.queue;

import io.opentalking.controlplane.config.QueueConfig;
import io.opentalking.controlplane.events.SessionEvent;
import io.opentalking.controlplane.faults.StoreUnavailableException;
import io.opentalking.controlplane.store.memory.MemorySlotStore;
import io.opentalking.controlplane.testing.MutableClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A replica that can no longer reach its store gives its sessions up locally before their leases can end in the
 * store (CONTRACT §3: "a holder that cannot renew its lease before it runs out gives the slot up (session.expired,
 * message lease_lost) rather than risk a double grant"). The queue's loops are driven here on a test clock, at
 * their production cadence (renew every lease/3, lease check every lease/20), so nothing waits.
 */
class SlotQueueGiveUpTest {
    private final MutableClock clock = MutableClock.atEpochPlusOneYear();

    /** A store that can be cut off: every call fails, as when Redis is unreachable from this replica only. */
    final class CutOffStore implements SlotStore {
        final SlotStore inner;
        final AtomicBoolean cut = new AtomicBoolean();
        /** When the last renew that reached the store was sent, in ms of the test clock. */
        final AtomicLong lastRenewSent = new AtomicLong();

        CutOffStore(SlotStore inner) {
            this.inner = inner;
        }

        private void check() {
            if (cut.get()) {
                throw StoreUnavailableException.notConnected("cut-off test store", "queue step");
            }
        }

        @Override
        public Transition enqueue(String sessionId, QueueLimits limits) {
            check();
            return inner.enqueue(sessionId, limits);
        }

        @Override
        public Transition leave(String sessionId, QueueLimits limits) {
            check();
            return inner.leave(sessionId, limits);
        }

        @Override
        public Transition renew(Collection<String> granted, Collection<String> queued, QueueLimits limits) {
            long sent = clock.millis();
            check();
            Transition t = inner.renew(granted, queued, limits);
            lastRenewSent.set(sent);
            return t;
        }

        @Override
        public Transition sweep(QueueLimits limits) {
            check();
            return inner.sweep(limits);
        }

        @Override
        public Membership membership(String sessionId) {
            check();
            return inner.membership(sessionId);
        }
    }

    private static QueueConfig config(long leaseMs) {
        return new QueueConfig(1, 3, Duration.ZERO, Duration.ZERO, Set.of("flashtalk"), Duration.ofMillis(leaseMs),
                Duration.ofSeconds(60), Duration.ofMillis(50));
    }

    /**
     * Moves the clock in lease/20 steps for at most {@code maxMs}, running the renewer every lease/3 and the lease
     * check every step, until {@code done}; returns whether it was reached.
     */
    private boolean drive(SlotQueue q, long leaseMs, long maxMs, BooleanSupplier done) {
        long step = leaseMs / 20;
        long renewEvery = leaseMs / 3;
        long start = clock.millis();
        long lastRenew = start;
        while (clock.millis() - start < maxMs) {
            if (done.getAsBoolean()) {
                return true;
            }
            clock.advanceMillis(step);
            if (clock.millis() - lastRenew >= renewEvery) {
                lastRenew = clock.millis();
                q.renewOwned();
            }
            q.checkLeases();
        }
        return done.getAsBoolean();
    }

    @Test
    void aCutOffReplicaGivesUpBeforeItsLeaseEnds() {
        long leaseMs = 5_000;
        CutOffStore store = new CutOffStore(new MemorySlotStore(clock));
        RecordingEventBus bus = new RecordingEventBus();
        AtomicLong gaveUpAt = new AtomicLong();
        try (SlotQueue q = new SlotQueue(store, ids -> Map.of(), config(leaseMs), bus, clock)) {
            q.addListener(new QueueListener() {
                @Override
                public void onChange(QueueChange c) {
                    if (c.equals(new QueueChange.LeaseLost("x"))) {
                        gaveUpAt.compareAndSet(0, clock.millis());
                    }
                }
            });
            assertThat(q.enqueue("x")).isEqualTo(new Admission.Granted());
            assertThat(q.enqueue("y")).isEqualTo(new Admission.Queued(1));
            assertThat(drive(q, leaseMs, leaseMs, () -> store.lastRenewSent.get() > 0)).as("a first renewal").isTrue();
            store.cut.set(true);
            assertThat(drive(q, leaseMs, 2 * leaseMs, () -> gaveUpAt.get() > 0)).as("x given up").isTrue();
            long leaseEnd = store.lastRenewSent.get() + leaseMs;
            assertThat(gaveUpAt.get()).as("lease %s ms: gave up %s ms before the lease could end in the store",
                    leaseMs, leaseEnd - gaveUpAt.get()).isLessThan(leaseEnd);
            assertThat(drive(q, leaseMs, leaseMs, () -> q.ownedCount() == 0)).as("y given up too").isTrue();
            assertThat(bus.of("x")).contains(SessionEvent.expired("x", "lease_lost"));
            assertThat(bus.of("y")).contains(SessionEvent.expired("y", "lease_lost"));
        }
    }

    @Test
    void aReplicaThatRenewsNeverGivesUp() {
        long leaseMs = 2_000;
        SlotStore store = new MemorySlotStore(clock);
        RecordingEventBus bus = new RecordingEventBus();
        AtomicLong changes = new AtomicLong();
        // x's record says it holds, as SessionService records a grant; y's says nothing (taken as queued).
        SessionRecords records = ids -> Map.of("x", SessionRecords.Standing.GRANTED);
        try (SlotQueue q = new SlotQueue(store, records, config(leaseMs), bus, clock)) {
            q.addListener(new QueueListener() {
                @Override
                public void onChange(QueueChange c) {
                    changes.incrementAndGet();
                }
            });
            q.enqueue("x");
            q.enqueue("y");
            // x's grant on admission is told as a change too; count only what the renewing time brings.
            changes.set(0);
            drive(q, leaseMs, 3_000, () -> false);
            assertThat(changes.get()).isZero();
            assertThat(q.ownedCount()).isEqualTo(2);
            assertThat(q.membership("x")).isEqualTo(new Membership.Holding());
        }
    }
    @Test
    void aHolderWhoseRecordIsGoneIsToldAndItsSlotGoesToTheNextOnlyWhenItsLeaseEnds() {
        long leaseMs = 3_000;
        MemorySlotStore store = new MemorySlotStore(clock);
        RecordingEventBus bus = new RecordingEventBus();
        Map<String, SessionRecords.Standing> standing = new java.util.concurrent.ConcurrentHashMap<>(Map.of(
                "x", SessionRecords.Standing.GRANTED, "y", SessionRecords.Standing.QUEUED));
        AtomicLong toldMissingAt = new AtomicLong();
        AtomicLong yGrantedAt = new AtomicLong();
        try (SlotQueue q = new SlotQueue(store, ids -> Map.copyOf(standing), config(leaseMs), bus, clock)) {
            q.addListener(new QueueListener() {
                @Override
                public void onChange(QueueChange c) {
                    if (c.equals(new QueueChange.SessionMissing("x"))) {
                        toldMissingAt.compareAndSet(0, clock.millis());
                    } else if (c.equals(new QueueChange.Granted("y"))) {
                        yGrantedAt.compareAndSet(0, clock.millis());
                    }
                }
            });
            q.enqueue("x");
            q.enqueue("y");
            run(q, leaseMs, leaseMs / 2, () -> false);
            standing.put("x", SessionRecords.Standing.MISSING);   // evicted, flushed or deleted by hand
            long goneAt = clock.millis();
            assertThat(run(q, leaseMs, leaseMs, () -> toldMissingAt.get() > 0)).as("x told").isTrue();
            assertThat(toldMissingAt.get() - goneAt).as("found at the next renewal").isLessThanOrEqualTo(leaseMs / 3 + 150);
            assertThat(bus.of("x")).contains(SessionEvent.expired("x", SessionEvent.SESSION_MISSING));
            assertThat(store.membership("x")).as("its slot waits for the notice to reach x's client")
                    .isEqualTo(new Membership.Holding());
            assertThat(q.ownedCount()).as("x no longer renewed").isEqualTo(1);
            assertThat(run(q, leaseMs, 2 * leaseMs, () -> yGrantedAt.get() > 0)).as("y granted").isTrue();
            assertThat(yGrantedAt.get() - toldMissingAt.get()).as("the rest of x's lease, then the reclaim notice")
                    .isGreaterThanOrEqualTo(2 * leaseMs / 3 - 150 + 500);
            assertThat(yGrantedAt.get() - goneAt).as("within one lease of the loss, plus the notice and a sweep")
                    .isLessThanOrEqualTo(leaseMs + 500 + 150);
            assertThat(bus.of("y")).contains(SessionEvent.queued("y", 0, SessionEvent.SLOT_ACQUIRED));
        }
    }

    @Test
    void aHolderWhoseRecordSaysQueuedIsReportedHoldingAndToldItsGrantAgain() {
        long leaseMs = 3_000;
        RecordingEventBus bus = new RecordingEventBus();
        List<QueueChange> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        // The record of x still says queued: its "created" was lost (a failover) after the store granted it, or the
        // step that granted it had its reply lost and no client was told.
        try (SlotQueue q = new SlotQueue(new MemorySlotStore(clock), ids -> Map.of(), config(leaseMs), bus, clock)) {
            q.addListener(new QueueListener() {
                @Override
                public void onChange(QueueChange c) {
                    seen.add(c);
                }
            });
            q.enqueue("x");
            int eventsAfterGrant = bus.of("x").size();
            seen.clear();
            clock.advanceMillis(leaseMs / 3);
            q.renewOwned();
            assertThat(seen).containsExactly(new QueueChange.Holding("x"));
            assertThat(bus.of("x")).as("the grant told once more").hasSize(eventsAfterGrant + 1)
                    .last().isEqualTo(SessionEvent.queued("x", 0, SessionEvent.SLOT_ACQUIRED));
        }
    }

    /** When {@link #run} last ran the renewer: its cadence goes on across calls, as the renewer's does. */
    private long lastRenew = clock.millis();

    /** Like {@link #drive}, with a sweep every step as the sweeper does (every 50 ms in this config). */
    private boolean run(SlotQueue q, long leaseMs, long maxMs, BooleanSupplier done) {
        long step = 50;
        long start = clock.millis();
        while (clock.millis() - start < maxMs) {
            if (done.getAsBoolean()) {
                return true;
            }
            clock.advanceMillis(step);
            if (clock.millis() - lastRenew >= leaseMs / 3) {
                lastRenew = clock.millis();
                q.renewOwned();
            }
            q.sweep();
            q.checkLeases();
        }
        return done.getAsBoolean();
    }
}
