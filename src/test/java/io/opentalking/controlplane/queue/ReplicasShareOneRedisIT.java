package io.opentalking.controlplane.queue;

import io.opentalking.controlplane.store.redis.RedisKeys;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.opentalking.controlplane.config.QueueConfig;
import io.opentalking.controlplane.events.SessionEvent;
import io.opentalking.controlplane.testing.PrivateRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Several replicas (each its own Redis client and {@link SlotQueue}) share one queue in one Redis (CONTRACT §3:
 * "a slot is never held by two sessions, even across replicas"; strict FIFO; every position change published).
 */
class ReplicasShareOneRedisIT {
    private static final int SLOTS = 2;
    private static final int MAX_QUEUE = 4;
    @RegisterExtension
    static final PrivateRedis REDIS = PrivateRedis.flushedBeforeEachTest();
    private static RedisClient raw;
    private static StatefulRedisConnection<String, String> rawConn;
    private final List<Replica> replicas = new ArrayList<>();

    @BeforeAll
    static void connectRaw() {
        raw = RedisClient.create(REDIS.server().url());
        rawConn = raw.connect();
    }

    @AfterAll
    static void stopRedis() {
        rawConn.close();
        raw.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    @AfterEach
    void closeReplicas() {
        replicas.forEach(Replica::close);
        replicas.clear();
    }

    private static RedisCommands<String, String> redisSync() {
        return rawConn.sync();
    }

    private List<Replica> replicas(int n, QueueConfig cfg, RecordingEventBus bus, Beliefs beliefs) {
        for (int i = 0; i < n; i++) {
            Replica r = new Replica("r" + i, REDIS.server(), cfg, bus);
            r.queue.addListener(beliefs.listener(r.name));
            replicas.add(r);
        }
        return replicas;
    }

    /**
     * A seeded random schedule of enqueues, retries, leaves (through the owner or another replica), sweeps and
     * renewals over three replicas and two slots; after every operation the store, the status hash, what the
     * replicas believe, and the published positions are compared with a plain reference model.
     */
    @Test
    void randomizedScheduleNeverGrantsMoreThanTheSlotsAndKeepsFifo() {
        long seed = Long.getLong("queue.seed", 20261129L);
        Random rnd = new Random(seed);
        QueueConfig cfg = RedisFixtures.queueConfig(SLOTS, MAX_QUEUE, Duration.ofSeconds(60), Duration.ofSeconds(60));
        QueueLimits limits = QueueLimits.from(cfg);
        RecordingEventBus bus = new RecordingEventBus();
        Beliefs beliefs = new Beliefs(SLOTS);
        List<Replica> rs = replicas(3, cfg, bus, beliefs);

        // The reference model.
        Set<String> holders = new LinkedHashSet<>();
        List<String> waiting = new ArrayList<>();
        Map<String, Integer> owner = new HashMap<>();
        int next = 0;
        int grants = 0;
        int fulls = 0;
        int leaves = 0;
        for (int op = 0; op < 400; op++) {
            String where = "seed " + seed + ", operation " + op;
            List<String> live = new ArrayList<>(holders);
            live.addAll(waiting);
            int dice = rnd.nextInt(100);
            if (dice < 45 || live.isEmpty()) {
                String sid = "s" + next++;
                int r = rnd.nextInt(rs.size());
                Admission a = rs.get(r).queue.enqueue(sid);
                Admission expected;
                if (holders.size() < SLOTS && waiting.isEmpty()) {
                    holders.add(sid);
                    expected = new Admission.Granted();
                    grants++;
                } else if (waiting.size() >= MAX_QUEUE) {
                    expected = new Admission.Full(MAX_QUEUE);
                    fulls++;
                } else {
                    waiting.add(sid);
                    expected = new Admission.Queued(waiting.size());
                }
                assertThat(a).as(where).isEqualTo(expected);
                if (!(a instanceof Admission.Full)) {
                    owner.put(sid, r);
                }
            } else if (dice < 75) {
                String sid = live.get(rnd.nextInt(live.size()));
                int r = rnd.nextInt(10) < 7 ? owner.get(sid) : rnd.nextInt(rs.size());
                beliefs.forget(sid);
                rs.get(r).queue.leave(sid);
                leaves++;
                if (holders.remove(sid)) {
                    while (holders.size() < SLOTS && !waiting.isEmpty()) {
                        holders.add(waiting.remove(0));
                        grants++;
                    }
                } else {
                    waiting.remove(sid);
                }
            } else if (dice < 82) {
                String sid = live.get(rnd.nextInt(live.size()));
                Admission a = rs.get(owner.get(sid)).queue.enqueue(sid);
                Membership m = holders.contains(sid) ? new Membership.Holding()
                        : new Membership.Waiting(waiting.indexOf(sid) + 1);
                assertThat(a).as(where + ": retry of " + sid).isEqualTo(new Admission.AlreadyPresent(m));
            } else if (dice < 90) {
                rs.get(rnd.nextInt(rs.size())).queue.sweep();
            } else {
                int r = rnd.nextInt(rs.size());
                rs.get(r).queue.renewOwned();
                long mine = owner.entrySet().stream()
                        .filter(e -> e.getValue() == r && (holders.contains(e.getKey()) || waiting.contains(e.getKey())))
                        .count();
                assertThat(rs.get(r).queue.ownedCount()).as(where + ": sessions " + rs.get(r).name + " renews")
                        .isEqualTo((int) mine);
            }
            checkEverything(where, holders, waiting, beliefs, bus);
        }
        assertThat(grants).as("the schedule exercised grants").isGreaterThan(50);
        assertThat(fulls).as("the schedule filled the queue").isGreaterThan(5);
        assertThat(leaves).as("the schedule exercised leaves").isGreaterThan(50);
        assertThat(beliefs.violations()).isEmpty();
    }

    private void checkEverything(String where, Set<String> holders, List<String> waiting, Beliefs beliefs,
                                 RecordingEventBus bus) {
        RedisCommands<String, String> r = redisSync();
        assertThat(r.zcard(RedisKeys.HOLDERS)).as(where + ": ZCARD holders").isLessThanOrEqualTo(SLOTS)
                .isEqualTo(holders.size());
        assertThat(new TreeSet<>(r.zrange(RedisKeys.HOLDERS, 0, -1))).as(where + ": holders")
                .isEqualTo(new TreeSet<>(holders));
        assertThat(r.zrange(RedisKeys.WAITING, 0, -1)).as(where + ": waiting list (FIFO)").isEqualTo(waiting);
        assertThat(beliefs.held()).as(where + ": what the replicas believe is held").isEqualTo(new TreeSet<>(holders));
        Map<String, String> h = r.hgetall(RedisKeys.STATUS_HASH);
        assertThat(h).as(where + ": status hash")
                .containsEntry(RedisKeys.FIELD_SLOT_OCCUPIED, holders.isEmpty() ? "0" : "1")
                .containsEntry(RedisKeys.FIELD_QUEUE_SIZE, Integer.toString(waiting.size()))
                .containsEntry(RedisKeys.FIELD_SLOTS_IN_USE, Integer.toString(holders.size()));
        for (int i = 0; i < waiting.size(); i++) {
            String sid = waiting.get(i);
            SessionEvent last = lastQueued(bus, sid);
            assertThat(last).as(where + ": last session.queued of waiter " + sid).isNotNull();
            assertThat(last.data()).as(where + ": last published position of " + sid)
                    .containsEntry("position", i + 1).containsEntry("message", "waiting");
        }
        for (String sid : holders) {
            assertThat(lastQueued(bus, sid).data()).as(where + ": " + sid + " was told it holds a slot")
                    .containsEntry("message", "slot_acquired");
        }
    }

    private static SessionEvent lastQueued(RecordingEventBus bus, String sid) {
        List<SessionEvent> q = bus.of(sid).stream().filter(e -> e.name().equals(SessionEvent.QUEUED)).toList();
        return q.isEmpty() ? null : q.get(q.size() - 1);
    }

    /**
     * The same three replicas with their renew and sweep loops running, hammered concurrently by three threads:
     * Redis never records more holders than slots, and no replica is ever told a grant that would exceed them.
     */
    @Test
    void concurrentReplicasNeverExceedTheSlots() throws Exception {
        QueueConfig cfg = RedisFixtures.queueConfig(SLOTS, 0, Duration.ofMillis(3_000), Duration.ofMillis(50));
        RecordingEventBus bus = new RecordingEventBus();
        Beliefs beliefs = new Beliefs(SLOTS);
        List<Replica> rs = replicas(3, cfg, bus, beliefs);
        rs.forEach(r -> r.queue.start());
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong maxHolders = new AtomicLong();
        AtomicInteger samples = new AtomicInteger();
        Thread checker = Thread.ofPlatform().start(() -> {
            while (!stop.get()) {
                maxHolders.accumulateAndGet(redisSync().zcard(RedisKeys.HOLDERS), Math::max);
                samples.incrementAndGet();
            }
        });
        Map<String, Boolean> live = new ConcurrentHashMap<>();
        AtomicInteger ops = new AtomicInteger();
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < 3; w++) {
            Replica r = rs.get(w);
            Random rnd = new Random(7L * w + 1);
            workers.add(Thread.ofPlatform().start(() -> {
                Set<String> mine = new HashSet<>();
                int n = 0;
                long end = System.nanoTime() + Duration.ofMillis(2_500).toNanos();
                while (System.nanoTime() < end) {
                    if (mine.isEmpty() || rnd.nextInt(100) < 55) {
                        String sid = r.name + "-" + n++;
                        Admission a = r.queue.enqueue(sid);
                        if (a instanceof Admission.Granted || a instanceof Admission.Queued) {
                            mine.add(sid);
                            live.put(sid, true);
                        }
                    } else {
                        String sid = mine.iterator().next();
                        mine.remove(sid);
                        beliefs.forget(sid);
                        r.queue.leave(sid);
                        live.remove(sid);
                    }
                    ops.incrementAndGet();
                }
            }));
        }
        for (Thread t : workers) {
            t.join(Duration.ofSeconds(20));
        }
        stop.set(true);
        checker.join(Duration.ofSeconds(5));
        assertThat(ops.get()).as("operations run").isGreaterThan(100);
        assertThat(samples.get()).as("holder counts sampled").isGreaterThan(100);
        assertThat(maxHolders.get()).as("most holders ever seen in Redis").isEqualTo(SLOTS);
        assertThat(beliefs.violations()).as("grants beyond the slots").isEmpty();
        assertThat(redisSync().zcard(RedisKeys.HOLDERS)).isEqualTo(SLOTS);
        assertThat(beliefs.held()).hasSize(SLOTS);
    }
}
