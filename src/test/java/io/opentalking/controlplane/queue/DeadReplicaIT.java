package io.opentalking.controlplane.queue;

import io.opentalking.controlplane.store.redis.RedisKeys;
import io.opentalking.controlplane.testing.Await;
import io.opentalking.controlplane.config.QueueConfig;
import io.opentalking.controlplane.events.SessionEvent;
import io.opentalking.controlplane.testing.PrivateRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A replica that dies without leaving (CONTRACT §3: "a replica that dies loses its slots and its waiters after a
 * lease ... the status hash follows in the same atomic step"; "a holder that cannot renew its lease before it
 * runs out gives the slot up rather than risk a double grant").
 */
class DeadReplicaIT {
    @RegisterExtension
    static final PrivateRedis REDIS = PrivateRedis.flushedBeforeEachTest();
    private final List<Replica> replicas = new ArrayList<>();
    /** When each (replica, change) was first seen, in System.nanoTime. */
    private final Map<String, Long> seen = new ConcurrentHashMap<>();

    @AfterEach
    void closeReplicas() {
        replicas.forEach(Replica::close);
        replicas.clear();
    }

    private Replica replica(String name, QueueConfig cfg, RecordingEventBus bus) {
        Replica r = new Replica(name, REDIS.server(), cfg, bus);
        r.queue.addListener(new QueueListener() {
            @Override
            public void onChange(QueueChange c) {
                seen.putIfAbsent(name + ":" + c, System.nanoTime());
            }
        });
        replicas.add(r);
        return r;
    }

    private long awaitSeen(String key, Duration max) {
        return Await.until(max, key, () -> seen.get(key));
    }

    @Test
    void theSlotOfAReplicaThatStopsRenewingGoesToTheNextInLineAfterTheLease() {
        // Short, yet long enough that a loaded machine's scheduling delays do not cost a live replica its lease.
        long leaseMs = 1_500;
        QueueConfig cfg = RedisFixtures.queueConfig(1, 3, Duration.ofMillis(leaseMs), Duration.ofMillis(50));
        RecordingEventBus bus = new RecordingEventBus();
        Replica a = replica("a", cfg, bus);
        Replica b = replica("b", cfg, bus);
        a.queue.start();
        b.queue.start();
        assertThat(a.queue.enqueue("x")).isEqualTo(new Admission.Granted());
        assertThat(b.queue.enqueue("y")).isEqualTo(new Admission.Queued(1));
        // x's grant on admission is told as a Granted change like every grant; watch from here on.
        assertThat(seen).containsOnlyKeys("a:" + new QueueChange.Granted("x"));
        seen.clear();

        // While both renew, nothing moves for longer than a lease.
        long t = System.nanoTime();
        Await.untilTrue(Duration.ofSeconds(5), "a lease and a half", () -> System.nanoTime() - t > 3 * leaseMs * 500_000);
        assertThat(seen).as("no change while every replica renews").isEmpty();
        assertThat(REDIS.server().cli("ZRANGE", RedisKeys.HOLDERS, "0", "-1")).isEqualTo("x");

        long death = System.nanoTime();
        a.cutOffFromRedis();
        long granted = awaitSeen("b:" + new QueueChange.Granted("y"), Duration.ofSeconds(10));
        long ms = (granted - death) / 1_000_000;
        assertThat(ms).as("ms from the holder's death to the next grant").isLessThan(leaseMs + 1_500)
                .isGreaterThanOrEqualTo(leaseMs / 3);
        assertThat(seen).containsKey("b:" + new QueueChange.LeaseLost("x"));

        assertThat(REDIS.server().cli("ZRANGE", RedisKeys.HOLDERS, "0", "-1")).isEqualTo("y");
        assertThat(REDIS.server().cli("ZCARD", RedisKeys.WAITING)).isEqualTo("0");
        Map<String, String> h = RedisFixtures.hgetall(REDIS.server(), RedisKeys.STATUS_HASH);
        assertThat(h).containsEntry("slot_occupied", "1").containsEntry("queue_size", "0")
                .containsEntry("slots_in_use", "1");
        assertThat(b.stores.status().readStatus().status()).isEqualTo(new QueueStatus(true, 0));
        assertThat(bus.of("y")).extracting(SessionEvent::data).last()
                .isEqualTo(Map.of("session_id", "y", "position", 0, "message", "slot_acquired"));
    }

    @Test
    void theWaitersOfADeadReplicaLeaveTheQueueAndPositionsMove() {
        long leaseMs = 2_000;
        QueueConfig cfg = RedisFixtures.queueConfig(1, 5, Duration.ofMillis(leaseMs), Duration.ofMillis(50));
        RecordingEventBus bus = new RecordingEventBus();
        Replica a = replica("a", cfg, bus);
        Replica b = replica("b", cfg, bus);
        a.queue.start();
        b.queue.start();
        assertThat(b.queue.enqueue("h")).isEqualTo(new Admission.Granted());
        assertThat(a.queue.enqueue("w1")).isEqualTo(new Admission.Queued(1));
        assertThat(b.queue.enqueue("w2")).isEqualTo(new Admission.Queued(2));
        assertThat(a.queue.enqueue("w3")).isEqualTo(new Admission.Queued(3));
        assertThat(b.queue.enqueue("w4")).isEqualTo(new Admission.Queued(4));
        a.cutOffFromRedis();
        Await.untilTrue(Duration.ofSeconds(10), "w1 and w3 to be reclaimed",
                () -> seen.containsKey("b:" + new QueueChange.LeaseLost("w1"))
                        && seen.containsKey("b:" + new QueueChange.LeaseLost("w3")));
        assertThat(b.queue.membership("w2")).isEqualTo(new Membership.Waiting(1));
        assertThat(b.queue.membership("w4")).isEqualTo(new Membership.Waiting(2));
        assertThat(REDIS.server().cli("HGET", RedisKeys.STATUS_HASH, "queue_size")).isEqualTo("2");
        assertThat(lastPosition(bus, "w2")).isEqualTo(1);
        assertThat(lastPosition(bus, "w4")).isEqualTo(2);
        assertThat(b.queue.membership("h")).isEqualTo(new Membership.Holding());
    }

    private static Object lastPosition(RecordingEventBus bus, String sid) {
        List<SessionEvent> q = bus.of(sid).stream().filter(e -> e.name().equals(SessionEvent.QUEUED)).toList();
        return q.get(q.size() - 1).data().get("position");
    }

    /**
     * A replica cut off from Redis (it is alive, Redis is not reachable from it) must give its slot up locally
     * before its lease can run out in Redis, so it never believes it holds a slot another replica was granted.
     */
    @Test
    void aCutOffHolderGivesItsSlotUpBeforeAnotherReplicaIsGrantedIt() {
        // The give-up margin is a fifth of the lease; 5 s leaves room for a loaded machine's scheduling delays.
        long leaseMs = 5_000;
        QueueConfig cfg = RedisFixtures.queueConfig(1, 3, Duration.ofMillis(leaseMs), Duration.ofMillis(50));
        RecordingEventBus bus = new RecordingEventBus();
        Beliefs beliefs = new Beliefs(1);
        Replica a = replica("a", cfg, bus);
        Replica b = replica("b", cfg, bus);
        a.queue.addListener(beliefs.listener("a"));
        b.queue.addListener(beliefs.listener("b"));
        a.queue.start();
        b.queue.start();
        assertThat(a.queue.enqueue("x")).isEqualTo(new Admission.Granted());
        assertThat(b.queue.enqueue("y")).isEqualTo(new Admission.Queued(1));
        a.cutOffFromRedis();
        long gaveUp = awaitSeen("a:" + new QueueChange.LeaseLost("x"), Duration.ofSeconds(10));
        long granted = awaitSeen("b:" + new QueueChange.Granted("y"), Duration.ofSeconds(10));
        assertThat(gaveUp).as("x's replica gave the slot up (%s ms) before y was granted it",
                (granted - gaveUp) / 1_000_000).isLessThan(granted);
        assertThat(bus.of("x")).contains(SessionEvent.expired("x", "lease_lost"));
        assertThat(a.queue.ownedCount()).isZero();
        assertThat(beliefs.violations()).isEmpty();
    }
}
