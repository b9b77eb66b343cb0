package io.opentalking.controlplane.queue;

import io.opentalking.controlplane.store.redis.RedisKeys;
import io.opentalking.controlplane.store.redis.RedisStores;
import io.opentalking.controlplane.testing.Await;
import io.opentalking.controlplane.testing.RedisServerProcess;
import io.opentalking.controlplane.testing.TestHttp;
import io.opentalking.controlplane.testing.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code /queue/status} from each replica's local copy of the status hash (CONTRACT §1): never staler than
 * {@link RedisStores#STATUS_MAX_AGE}, changes from another replica or from redis-cli seen well inside it, Redis
 * read per request when the copy cannot be kept, zeros and {@code unavailable} within the store timeout when Redis
 * is gone. Two real servers on one real Redis, through HTTP.
 */
class QueueStatusCopyIT {
    private static final long BOUND_NANOS = RedisStores.STATUS_MAX_AGE.toNanos();
    private static final String CREATE = "{\"avatar_id\":\"demo-avatar\",\"model\":\"mock\"}";
    private static final String SOURCE = "X-Queue-Status-Source";
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private RedisServerProcess redis() {
        RedisServerProcess r = new RedisServerProcess();
        toClose.add(r);
        return r;
    }

    private TestHttp replica(RedisServerProcess redis) {
        // mock is the slot model, so sessions go through the real queue without a GPU backend; no background
        // sweep, so the hash changes only when a test changes it.
        TestServer s = TestServer.start(Map.of("OPENTALKING_REDIS_URL", redis.url(), "OPENTALKING_SLOT_MODELS", "mock",
                "OPENTALKING_FLASHTALK_SLOTS", "1", "OPENTALKING_FLASHTALK_MAX_QUEUE_SIZE", "0",
                "OPENTALKING_QUEUE_SWEEP_MS", "3600000", "OPENTALKING_PROBE_TIMEOUT_MS", "10000"));
        toClose.add(s);
        TestHttp http = s.http();
        Await.untilTrue(Duration.ofSeconds(10), "the replica to read Redis",
                () -> "redis".equals(http.get("/queue/status").header(SOURCE)));
        return http;
    }

    /**
     * Polls until an answer satisfies {@code seen}; returns the nanoseconds from {@code changedAt} to the start of
     * that request. Every answer that started later than the bound after the change must already show it.
     */
    private static long visibleAfter(TestHttp http, long changedAt, Predicate<TestHttp.Reply> seen) {
        while (true) {
            long start = System.nanoTime();
            TestHttp.Reply r = http.get("/queue/status");
            assertThat(r.status()).isEqualTo(200);
            if (seen.test(r)) {
                return Math.max(0, start - changedAt);
            }
            assertThat(start - changedAt).as("an answer begun %d ms after the change still lacks it: %s",
                    (start - changedAt) / 1_000_000, r.body()).isLessThanOrEqualTo(BOUND_NANOS);
        }
    }

    private static Predicate<TestHttp.Reply> status(boolean occupied, int size) {
        return r -> r.json().get("slot_occupied").asBoolean() == occupied && r.json().get("queue_size").asInt() == size;
    }

    private static long median(long[] xs) {
        long[] s = xs.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    @Test
    void aChangeMadeThroughReplicaAIsVisibleInReplicaBWithinTheBound() {
        RedisServerProcess redis = redis();
        TestHttp a = replica(redis);
        TestHttp b = replica(redis);
        long[] took = new long[10];
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < took.length; i++) {
            TestHttp.Reply created = a.post("/sessions", CREATE);
            long changedAt = System.nanoTime();
            assertThat(created.status()).as(created.body()).isEqualTo(200);
            ids.add(created.json().get("session_id").asText());
            took[i] = visibleAfter(b, changedAt, status(true, i));
            assertThat(b.get("/queue/status").header(SOURCE)).isEqualTo("redis");
        }
        for (String id : ids) {
            assertThat(a.delete("/sessions/" + id).status()).isEqualTo(200);
        }
        long changedAt = System.nanoTime();
        visibleAfter(b, changedAt, status(false, 0));
        assertThat(median(took)).as("median ns from a change on A to B showing it (all: %s)", Arrays.toString(took))
                .isLessThan(BOUND_NANOS);
    }

    @Test
    void aHashWrittenWithRedisCliIsSeenWithinTheBoundWithoutAReadPerRequest() {
        RedisServerProcess redis = redis();
        TestHttp b = replica(redis);
        long[] took = new long[5];
        for (int i = 0; i < took.length; i++) {
            redis.cli("HSET", RedisKeys.STATUS_HASH, "slot_occupied", "yes", "queue_size", Integer.toString(10 + i));
            long changedAt = System.nanoTime();
            took[i] = visibleAfter(b, changedAt, status(true, 10 + i));
        }
        assertThat(median(took)).as("median ns from HSET to the answer showing it (all: %s)", Arrays.toString(took))
                .isLessThan(BOUND_NANOS);

        redis.cli("CONFIG", "RESETSTAT");
        for (int i = 0; i < 200; i++) {
            assertThat(b.get("/queue/status").json().get("queue_size").asInt()).isEqualTo(14);
        }
        assertThat(hgetallCalls(redis)).as("HGETALLs Redis served for 200 answers").isLessThan(100);
    }

    @Test
    void withoutTrackingEveryRequestReadsRedisAsBefore() {
        RedisServerProcess redis = redis();
        // A managed Redis may forbid CLIENT TRACKING; so does this ACL rule.
        assertThat(redis.cli("ACL", "SETUSER", "default", "-client|tracking")).isEqualTo("OK");
        TestHttp b = replica(redis);
        redis.cli("CONFIG", "RESETSTAT");
        for (int i = 0; i < 50; i++) {
            redis.cli("HSET", RedisKeys.STATUS_HASH, "slot_occupied", "1", "queue_size", Integer.toString(i));
            TestHttp.Reply r = b.get("/queue/status");
            assertThat(r.header(SOURCE)).isEqualTo("redis");
            assertThat(r.json().get("queue_size").asInt()).as("read right after HSET").isEqualTo(i);
        }
        assertThat(hgetallCalls(redis)).isGreaterThanOrEqualTo(50);
    }

    @Test
    void theStatusConnectionCutDropsTheCopyAndTheAnswersStayWithinTheBound() {
        RedisServerProcess redis = redis();
        TestHttp b = replica(redis);
        for (int i = 0; i < 5; i++) {
            String tracking = Arrays.stream(redis.cli("CLIENT", "LIST").split("\n"))
                    .filter(l -> l.contains(" flags=tB ") || l.matches(".* flags=\\S*t\\S* .*"))
                    .map(l -> l.replaceAll("^id=(\\d+) .*", "$1")).findFirst().orElse(null);
            if (tracking != null) {
                assertThat(redis.cli("CLIENT", "KILL", "ID", tracking)).isEqualTo("1");
            }
            redis.cli("HSET", RedisKeys.STATUS_HASH, "slot_occupied", "0", "queue_size", Integer.toString(20 + i));
            visibleAfter(b, System.nanoTime(), status(false, 20 + i));
        }
        // The connection comes back and tracks again: answers come from the copy once more.
        Await.untilTrue(Duration.ofSeconds(5), "the status connection to track the hash again",
                () -> redis.cli("CLIENT", "LIST").contains(" flags=tB "));
        redis.cli("CONFIG", "RESETSTAT");
        for (int i = 0; i < 100; i++) {
            assertThat(b.get("/queue/status").json().get("queue_size").asInt()).isEqualTo(24);
        }
        assertThat(hgetallCalls(redis)).isLessThan(60);
    }

    @Test
    void redisGoneAnswersZerosAndUnavailableWithinTheStoreTimeout() {
        RedisServerProcess redis = redis();
        TestHttp b = replica(redis);
        redis.cli("HSET", RedisKeys.STATUS_HASH, "slot_occupied", "1", "queue_size", "3");
        visibleAfter(b, System.nanoTime(), status(true, 3));
        redis.kill();
        long down = System.nanoTime();
        int answers = 0;
        while (System.nanoTime() - down < 700_000_000L || answers < 20) {
            long start = System.nanoTime();
            TestHttp.Reply r = b.get("/queue/status");
            long ms = (System.nanoTime() - start) / 1_000_000;
            answers++;
            assertThat(r.status()).isEqualTo(200);
            assertThat(ms).as("one answer while Redis is gone (ms)").isLessThan(400);
            if (start - down > BOUND_NANOS) {
                assertThat(r.header(SOURCE)).isEqualTo("unavailable");
                assertThat(r.json().get("slot_occupied").asBoolean()).isFalse();
                assertThat(r.json().get("queue_size").asInt()).isZero();
            }
        }
    }

    private static long hgetallCalls(RedisServerProcess redis) {
        return Arrays.stream(redis.cli("INFO", "commandstats").split("\n"))
                .filter(l -> l.startsWith("cmdstat_hgetall:"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("^cmdstat_hgetall:calls=(\\d+),.*$", "$1").trim()))
                .findFirst().orElse(0);
    }
}
