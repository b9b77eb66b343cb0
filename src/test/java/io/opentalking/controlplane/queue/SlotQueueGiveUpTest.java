package io.opentalking.controlplane.queue;

import io.opentalking.controlplane.faults.StoreUnavailableException;
import io.opentalking.controlplane.testing.Await;
import io.opentalking.controlplane.config.QueueConfig;
import io.opentalking.controlplane.events.SessionEvent;
import io.opentalking.controlplane.store.memory.MemorySlotStore;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A replica that can no longer reach its store gives its sessions up locally before their leases can end in the
 * store (CONTRACT §3: "a holder that cannot renew its lease before it runs out gives the slot up (session.expired,
 * message lease_lost) rather than risk a double grant").
 */
class SlotQueueGiveUpTest {

    /** A store that can be cut off: every call fails, as when Redis is unreachable from this replica only. */
    static final class CutOffStore implements SlotStore {
        final SlotStore inner;
        final AtomicBoolean cut = new AtomicBoolean();
        /** When the last renew that reached the store was sent, in ms of the system clock. */
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
        public Transition renew(Collection<String> sessionIds, QueueLimits limits) {
            long sent = System.currentTimeMillis();
            check();
            Transition t = inner.renew(sessionIds, limits);
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

    @Test
    void aCutOffReplicaGivesUpBeforeItsLeaseEnds() {
        // The give-up margin is a fifth of the lease: 5 s leaves room for a loaded machine's scheduling delays.
        for (long leaseMs : new long[]{5_000}) {
            CutOffStore store = new CutOffStore(new MemorySlotStore(Clock.systemUTC()));
            QueueConfig cfg = new QueueConfig(1, 3, Duration.ZERO, Duration.ZERO, Set.of("flashtalk"),
                    Duration.ofMillis(leaseMs), Duration.ofSeconds(60), Duration.ofMillis(50));
            RecordingEventBus bus = new RecordingEventBus();
            AtomicLong gaveUpAt = new AtomicLong();
            try (SlotQueue q = new SlotQueue(store, cfg, bus, Clock.systemUTC())) {
                q.addListener(new QueueListener() {
                    @Override
                    public void onChange(QueueChange c) {
                        if (c.equals(new QueueChange.LeaseLost("x"))) {
                            gaveUpAt.compareAndSet(0, System.currentTimeMillis());
                        }
                    }
                });
                q.start();
                assertThat(q.enqueue("x")).isEqualTo(new Admission.Granted());
                assertThat(q.enqueue("y")).isEqualTo(new Admission.Queued(1));
                Await.untilTrue(Duration.ofSeconds(5), "a first renewal", () -> store.lastRenewSent.get() > 0);
                store.cut.set(true);
                Await.untilTrue(Duration.ofSeconds(10), "x to be given up", () -> gaveUpAt.get() > 0);
                long leaseEnd = store.lastRenewSent.get() + leaseMs;
                assertThat(gaveUpAt.get()).as("lease %s ms: gave up %s ms before the lease could end in the store",
                        leaseMs, leaseEnd - gaveUpAt.get()).isLessThan(leaseEnd);
                Await.untilTrue(Duration.ofSeconds(5), "y to be given up too", () -> q.ownedCount() == 0);
                assertThat(bus.of("x")).contains(SessionEvent.expired("x", "lease_lost"));
                assertThat(bus.of("y")).contains(SessionEvent.expired("y", "lease_lost"));
            }
        }
    }

    @Test
    void aReplicaThatRenewsNeverGivesUp() {
        SlotStore store = new MemorySlotStore(Clock.systemUTC());
        QueueConfig cfg = new QueueConfig(1, 3, Duration.ZERO, Duration.ZERO, Set.of("flashtalk"),
                Duration.ofMillis(2_000), Duration.ofSeconds(60), Duration.ofMillis(50));
        RecordingEventBus bus = new RecordingEventBus();
        AtomicLong changes = new AtomicLong();
        try (SlotQueue q = new SlotQueue(store, cfg, bus, Clock.systemUTC())) {
            q.addListener(new QueueListener() {
                @Override
                public void onChange(QueueChange c) {
                    changes.incrementAndGet();
                }
            });
            q.start();
            q.enqueue("x");
            q.enqueue("y");
            long t0 = System.nanoTime();
            Await.untilTrue(Duration.ofSeconds(6), "a lease and a half", () -> System.nanoTime() - t0 > 3_000_000_000L);
            assertThat(changes.get()).isZero();
            assertThat(q.ownedCount()).isEqualTo(2);
            assertThat(q.membership("x")).isEqualTo(new Membership.Holding());
        }
    }
}
