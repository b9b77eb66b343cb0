package io.opentalking.controlplane.queue;

import io.opentalking.controlplane.config.QueueConfig;
import io.opentalking.controlplane.events.SessionEvent;
import io.opentalking.controlplane.store.redis.RedisKeys;
import io.opentalking.controlplane.testing.Await;
import io.opentalking.controlplane.testing.PrivateRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Redis loses session records or everything under running replicas (issue 9 items 2 and 3; CONTRACT §4: "a slot
 * or waiting place whose session record is gone is given back within one lease"; §3: never held twice).
 */
class RecordLossIT {
    @RegisterExtension
    static final PrivateRedis REDIS = PrivateRedis.flushedBeforeEachTest();
    private static final long LEASE_MS = 1_500;
    private final QueueConfig cfg = RedisFixtures.queueConfig(1, 3, Duration.ofMillis(LEASE_MS), Duration.ofMillis(50));
    private final List<Replica> replicas = new ArrayList<>();
    private final RecordingEventBus bus = new RecordingEventBus();
    private final Beliefs beliefs = new Beliefs(1);

    @AfterEach
    void closeReplicas() {
        replicas.forEach(Replica::close);
        replicas.clear();
    }

    private Replica replica(String name) {
        Replica r = idleReplica(name);
        r.queue.start();
        return r;
    }

    /** A replica whose loops do not run: the test takes its steps. */
    private Replica idleReplica(String name) {
        Replica r = new Replica(name, REDIS.server(), cfg, bus, true);
        r.queue.addListener(beliefs.listener(name));
        replicas.add(r);
        return r;
    }

    /** x holds (through {@code a}), y waits (through a second replica, returned). */
    private Replica holderAndWaiter(Replica a) {
        Replica b = replica("b");
        assertThat(a.queue.enqueue(a.session("x"))).isEqualTo(new Admission.Granted());
        assertThat(b.queue.enqueue(b.session("y"))).isEqualTo(new Admission.Queued(1));
        return b;
    }

    private String holders() {
        return REDIS.server().cli("ZRANGE", RedisKeys.HOLDERS, "0", "-1");
    }

    @Test
    void aSlotWhoseRecordWasDeletedByHandIsToldThenFreedWithinOneLeaseThenGoesToTheNextWaiter() {
        Replica a = replica("a");
        holderAndWaiter(a);

        long deleted = System.nanoTime();
        REDIS.server().cli("DEL", RedisKeys.session("x"));
        Await.untilTrue(Duration.ofSeconds(3), "x's stream told",
                () -> bus.of("x").contains(SessionEvent.expired("x", SessionEvent.SESSION_MISSING)));
        long toldMs = (System.nanoTime() - deleted) / 1_000_000;
        assertThat(toldMs).as("ms from the record's loss to its stream told").isLessThan(LEASE_MS / 3 + 300);
        // The slot stays x's for the rest of its lease: the time x's client needs to hear of its loss.
        assertThat(holders()).isEqualTo("x");
        Await.untilTrue(Duration.ofSeconds(3), "x's slot reclaimed", () -> !holders().equals("x"));
        long freedMs = (System.nanoTime() - deleted) / 1_000_000;
        assertThat(freedMs).as("ms the slot was held without a record").isLessThan(LEASE_MS + 300);
        Await.untilTrue(Duration.ofSeconds(5), "y to hold the slot", () -> holders().equals("y"));
        long ms = (System.nanoTime() - deleted) / 1_000_000;
        long notice = QueueLimits.from(cfg).reclaimNoticeMs();
        assertThat(ms - toldMs).as("ms from x's notice to y's grant").isGreaterThan(LEASE_MS / 2 + notice);
        assertThat(ms).as("ms from the record's loss to the next grant").isLessThan(LEASE_MS + notice + 300);
        // The step that granted y tells y's stream right after it returns, so the event may trail the grant a little.
        Await.untilTrue(Duration.ofSeconds(2), "y told it holds",
                () -> bus.of("y").contains(SessionEvent.queued("y", 0, SessionEvent.SLOT_ACQUIRED)));
        assertThat(RedisFixtures.hgetall(REDIS.server(), RedisKeys.STATUS_HASH)).containsEntry("slots_in_use", "1")
                .containsEntry("queue_size", "0");
        assertThat(a.queue.ownedCount()).isZero();
        assertThat(beliefs.violations()).isEmpty();
    }

    @Test
    void afterFlushallEveryGhostIsGivenBackAndTheNextSessionIsGrantedAfterOneQuietLease() {
        Replica a = replica("a");
        Replica b = holderAndWaiter(a);

        long flushed = System.nanoTime();
        REDIS.server().cli("FLUSHALL");
        Await.untilTrue(Duration.ofSeconds(5), "both ghosts given back",
                () -> a.queue.ownedCount() == 0 && b.queue.ownedCount() == 0);
        // A ghost leaves the owned set before its stream is told (so that it is not renewed meanwhile).
        Await.untilTrue(Duration.ofSeconds(2), "both ghosts' streams told",
                () -> bus.of("x").contains(SessionEvent.expired("x", SessionEvent.SESSION_MISSING))
                        && bus.of("y").contains(SessionEvent.expired("y", SessionEvent.SESSION_MISSING)));

        // The flush also took the epoch: a new one starts quiet for a lease, then grants as before.
        assertThat(b.queue.enqueue(b.session("z"))).isEqualTo(new Admission.Queued(1));
        Await.untilTrue(Duration.ofSeconds(5), "z to hold the slot", () -> holders().equals("z"));
        long ms = (System.nanoTime() - flushed) / 1_000_000;
        assertThat(ms).as("ms from the flush to the next grant").isLessThan(LEASE_MS + 1_000);
        assertThat(REDIS.server().cli("HGET", RedisKeys.STATUS_HASH, "slots_in_use")).isEqualTo("1");
        assertThat(beliefs.violations()).isEmpty();
    }

    @Test
    void aFreshReplicaMeetingAnEmptiedRedisFirstGrantsNothingUntilTheOldHoldersHaveLearnt() {
        Replica old = idleReplica("old");
        assertThat(old.queue.enqueue(old.session("x"))).isEqualTo(new Admission.Granted());
        // The queue is wiped (the records stay, as on a restart that kept only them): the old replica still
        // believes x holds until its next renewal, and a replica that just started is the first to step.
        for (String k : List.of(RedisKeys.HOLDERS, RedisKeys.EPOCH, RedisKeys.STATUS_HASH)) {
            REDIS.server().cli("DEL", k);
        }
        long wiped = System.nanoTime();
        Replica fresh = replica("fresh");
        assertThat(fresh.queue.enqueue(fresh.session("z"))).as("the fresh replica's first step")
                .isEqualTo(new Admission.Queued(1));
        assertThat(beliefs.held()).containsExactly("x");
        old.queue.renewOwned();
        assertThat(beliefs.held()).as("the old holder learnt at its renewal").isEmpty();
        Await.untilTrue(Duration.ofSeconds(5), "z granted after the quiet lease", () -> holders().equals("z"));
        long ms = (System.nanoTime() - wiped) / 1_000_000;
        assertThat(ms).as("quiet for about a lease").isGreaterThanOrEqualTo(LEASE_MS - 100);
        assertThat(bus.of("x")).contains(SessionEvent.expired("x", SessionEvent.LEASE_LOST));
        assertThat(beliefs.violations()).isEmpty();
    }

    @Test
    void aHolderWhoseGrantAFailoverLostIsToldAtItsRenewalAndNoOneElseHoldsMeanwhile() {
        Replica a = idleReplica("a");
        Replica b = idleReplica("b");
        assertThat(a.queue.enqueue(a.session("x"))).isEqualTo(new Admission.Granted());
        REDIS.server().cli("HSET", RedisKeys.session("x"), "state", "created");   // as SessionService records it
        assertThat(b.queue.enqueue(b.session("y"))).isEqualTo(new Admission.Queued(1));
        // What a promoted replica that had x's enqueue but not its grant holds: x waiting (ahead of y), and the
        // quiet lease the script starts on a new primary.
        REDIS.server().cli("ZREM", RedisKeys.HOLDERS, "x");
        REDIS.server().cli("ZADD", RedisKeys.WAITING, "0", "x");
        REDIS.server().cli("ZADD", RedisKeys.WAIT_LEASES, "99999999999999", "x");
        REDIS.server().cli("SET", RedisKeys.QUIET, "1", "PX", Long.toString(LEASE_MS));
        assertThat(beliefs.held()).containsExactly("x");

        a.queue.renewOwned();
        assertThat(beliefs.held()).as("x learnt at its renewal that it does not hold").isEmpty();
        assertThat(bus.of("x")).contains(SessionEvent.expired("x", SessionEvent.LEASE_LOST));
        assertThat(a.stores.slots().membership("x")).isEqualTo(new Membership.Absent());
        assertThat(bus.of("y")).contains(SessionEvent.queued("y", 1, "waiting"));
        assertThat(a.queue.ownedCount()).isZero();

        // b's loops do not run: it renews y's place by hand while the quiet lease lasts.
        Await.untilTrue(Duration.ofSeconds(5), "y granted after the quiet lease", () -> {
            b.queue.renewOwned();
            b.queue.sweep();
            return holders().equals("y");
        });
        assertThat(bus.of("y")).contains(SessionEvent.queued("y", 0, SessionEvent.SLOT_ACQUIRED));
        assertThat(beliefs.violations()).isEmpty();
    }
}
