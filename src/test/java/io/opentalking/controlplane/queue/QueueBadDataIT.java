package io.opentalking.controlplane.queue;

import io.opentalking.controlplane.store.redis.RedisKeys;
import io.opentalking.controlplane.testing.Await;
import com.fasterxml.jackson.databind.JsonNode;
import io.opentalking.controlplane.testing.PrivateRedis;
import io.opentalking.controlplane.testing.TestHttp;
import io.opentalking.controlplane.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Garbage in the status hash and the queue keys (wrong types, unparsable values) never turns into a 5xx from
 * {@code GET /queue/status} or {@code POST /sessions}, and the queue keeps working after (CONTRACT §1, §3).
 * The server's slot model here is {@code mock}, so sessions go through the real queue without a GPU backend.
 */
class QueueBadDataIT {
    private static final String CREATE = "{\"avatar_id\":\"demo-avatar\",\"model\":\"mock\"}";
    private static final List<String> QUEUE_KEYS = List.of(RedisKeys.HOLDERS, RedisKeys.WAITING,
            RedisKeys.WAIT_LEASES, RedisKeys.WAIT_DEADLINES, RedisKeys.HOLD_DEADLINES, RedisKeys.EXPIRING_AT,
            RedisKeys.SEQUENCE, RedisKeys.STATUS_HASH, RedisKeys.RECLAIMED);
    @RegisterExtension
    static final PrivateRedis REDIS = PrivateRedis.keptAcrossTests();
    private static TestServer server;
    private static TestHttp http;
    private final List<String> sessions = new ArrayList<>();

    @BeforeAll
    static void start() {
        // No background sweep during a test: the hash must hold exactly what the test wrote until a step runs.
        server = TestServer.start(Map.of("OPENTALKING_REDIS_URL", REDIS.server().url(), "OPENTALKING_SLOT_MODELS", "mock",
                "OPENTALKING_FLASHTALK_SLOTS", "1", "OPENTALKING_FLASHTALK_MAX_QUEUE_SIZE", "5",
                "OPENTALKING_QUEUE_SWEEP_MS", "3600000", "OPENTALKING_PROBE_TIMEOUT_MS", "10000"));
        http = server.http();
        Await.untilTrue(Duration.ofSeconds(10), "the server to reach Redis",
                () -> "redis".equals(http.get("/queue/status").header("X-Queue-Status-Source")));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @AfterEach
    void cleanUp() {
        for (String id : sessions) {
            assertThat(http.delete("/sessions/" + id).status()).isEqualTo(200);
        }
        REDIS.server().cli(concat("DEL", QUEUE_KEYS));
    }

    private static String[] concat(String first, List<String> rest) {
        List<String> all = new ArrayList<>(List.of(first));
        all.addAll(rest);
        return all.toArray(String[]::new);
    }

    private JsonNode status(String expectedSource) {
        TestHttp.Reply r = http.get("/queue/status");
        assertThat(r.status()).as("GET /queue/status: %s", r.body()).isEqualTo(200);
        if (expectedSource != null) {
            assertThat(r.header("X-Queue-Status-Source")).isEqualTo(expectedSource);
        }
        assertThat(r.json().size()).isEqualTo(2);
        return r.json();
    }

    /**
     * A hash written by someone else reaches the replica's local copy through an invalidation message, at most
     * 50 ms later (README "/queue/status"): poll for a little longer than that bound, then assert.
     */
    private void assertSeenWithinTheCopyBound(boolean occupied, int size) {
        long deadline = System.nanoTime() + Duration.ofMillis(300).toNanos();
        JsonNode s = status("redis");
        while (System.nanoTime() < deadline && (s.get("slot_occupied").asBoolean() != occupied
                || s.get("queue_size").asInt() != size)) {
            s = status("redis");
        }
        assertStatus(s, occupied, size);
    }

    private static void assertStatus(JsonNode s, boolean occupied, int size) {
        assertThat(s.get("slot_occupied").isBoolean()).isTrue();
        assertThat(s.get("queue_size").isInt()).isTrue();
        assertThat(s.get("slot_occupied").asBoolean()).as("slot_occupied in %s", s).isEqualTo(occupied);
        assertThat(s.get("queue_size").asInt()).as("queue_size in %s", s).isEqualTo(size);
    }

    /** POST /sessions must answer 200 with this status. */
    private String create(String expectedStatus) {
        TestHttp.Reply r = http.post("/sessions", CREATE);
        assertThat(r.status()).as("POST /sessions: %s", r.body()).isEqualTo(200);
        assertThat(r.json().get("status").asText()).isEqualTo(expectedStatus);
        String id = r.json().get("session_id").asText();
        sessions.add(id);
        return id;
    }

    private JsonNode session(String id) {
        TestHttp.Reply r = http.get("/sessions/" + id);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    @Test
    void statusHashStoredAsAString() {
        assertThat(REDIS.server().cli("SET", RedisKeys.STATUS_HASH, "garbage")).isEqualTo("OK");
        assertStatus(status(null), false, 0);
        assertStatus(status(null), false, 0);

        create("created");
        assertThat(REDIS.server().cli("TYPE", RedisKeys.STATUS_HASH)).isEqualTo("hash");
        assertStatus(status("redis"), true, 0);
        create("queued");
        assertStatus(status("redis"), true, 1);
    }

    @Test
    void garbageValuesInTheStatusHashAreReadLeniently() {
        String[][] table = {
                // slot_occupied, queue_size, expected occupied, expected size
                {"banana", "-3", "false", "0"},
                {" TRUE ", "abc", "true", "0"},
                {"yes", " 7 ", "true", "7"},
                {"on", "2.5", "true", "0"},
                {"2", "99999999999999999999", "false", "0"},
                {"", "", "false", "0"},
        };
        for (String[] row : table) {
            REDIS.server().cli("DEL", RedisKeys.STATUS_HASH);
            REDIS.server().cli("HSET", RedisKeys.STATUS_HASH, "slot_occupied", row[0], "queue_size", row[1], "junk", "x");
            assertSeenWithinTheCopyBound(Boolean.parseBoolean(row[2]), Integer.parseInt(row[3]));
        }
        REDIS.server().cli("DEL", RedisKeys.STATUS_HASH);
        REDIS.server().cli("HSET", RedisKeys.STATUS_HASH, "queue_size", "4");
        assertSeenWithinTheCopyBound(false, 4);

        // The next step of the queue writes the truth over the garbage.
        REDIS.server().cli("HSET", RedisKeys.STATUS_HASH, "slot_occupied", "banana", "queue_size", "-3");
        create("created");
        assertStatus(status("redis"), true, 0);
        assertThat(REDIS.server().cli("HGET", RedisKeys.STATUS_HASH, "queue_size")).isEqualTo("0");
    }

    @Test
    void holdersKeyTurnedIntoAList() {
        REDIS.server().cli("DEL", RedisKeys.HOLDERS);
        assertThat(REDIS.server().cli("LPUSH", RedisKeys.HOLDERS, "junk", "more-junk")).isEqualTo("2");
        assertThat(status(null).get("queue_size").asInt()).isZero();

        String first = create("created");
        assertThat(REDIS.server().cli("TYPE", RedisKeys.HOLDERS)).isEqualTo("zset");
        String second = create("queued");
        assertThat(session(second).get("queue_position").asInt()).isEqualTo(1);
        assertStatus(status("redis"), true, 1);

        assertThat(http.delete("/sessions/" + first).status()).isEqualTo(200);
        Await.untilTrue(Duration.ofSeconds(5), "the waiter to get the slot",
                () -> session(second).get("state").asText().equals("created"));
        assertStatus(status("redis"), true, 0);
    }

    @Test
    void everyQueueKeyOfTheWrongType() {
        REDIS.server().cli("SET", RedisKeys.WAITING, "x");
        REDIS.server().cli("LPUSH", RedisKeys.WAIT_LEASES, "a");
        REDIS.server().cli("SADD", RedisKeys.WAIT_DEADLINES, "a");
        REDIS.server().cli("HSET", RedisKeys.HOLD_DEADLINES, "a", "b");
        REDIS.server().cli("SET", RedisKeys.EXPIRING_AT, "z");
        REDIS.server().cli("LPUSH", RedisKeys.SEQUENCE, "1");
        REDIS.server().cli("SET", RedisKeys.STATUS_HASH, "3");
        REDIS.server().cli("SET", RedisKeys.HOLDERS, "1");
        assertStatus(status(null), false, 0);

        String first = create("created");
        String second = create("queued");
        String third = create("queued");
        assertStatus(status("redis"), true, 2);
        assertThat(session(second).get("queue_position").asInt()).isEqualTo(1);
        assertThat(session(third).get("queue_position").asInt()).isEqualTo(2);
        assertThat(http.delete("/sessions/" + first).status()).isEqualTo(200);
        Await.untilTrue(Duration.ofSeconds(5), "the first waiter to get the slot",
                () -> session(second).get("state").asText().equals("created"));
        assertThat(session(third).get("queue_position").asInt()).isEqualTo(1);
    }

    /** The arrival counter is garbage or was reset while sessions wait: newcomers still go to the end. */
    @Test
    void arrivalCounterGarbageOrResetKeepsFifo() {
        String a = create("created");
        String b = create("queued");
        String c = create("queued");
        assertThat(REDIS.server().cli("SET", RedisKeys.SEQUENCE, "abc")).isEqualTo("OK");
        String d = create("queued");
        assertThat(REDIS.server().cli("SET", RedisKeys.SEQUENCE, "0")).isEqualTo("OK");
        String e = create("queued");
        assertThat(REDIS.server().cli("SET", RedisKeys.SEQUENCE, "9223372036854775807")).isEqualTo("OK");
        String f = create("queued");
        List<String> order = List.of(b, c, d, e, f);
        for (int i = 0; i < order.size(); i++) {
            assertThat(session(order.get(i)).get("queue_position").asInt()).as("position of waiter %s", i + 1)
                    .isEqualTo(i + 1);
        }
        assertStatus(status("redis"), true, 5);

        assertThat(http.delete("/sessions/" + a).status()).isEqualTo(200);
        Await.untilTrue(Duration.ofSeconds(5), "the oldest waiter to get the slot",
                () -> session(b).get("state").asText().equals("created"));
        for (int i = 1; i < order.size(); i++) {
            assertThat(session(order.get(i)).get("queue_position").asInt()).isEqualTo(i);
        }
        assertThat(session(e).get("state").asText()).isEqualTo("queued");
    }

    @Test
    void aGhostHolderWithoutLeaseScoreIsReclaimed() throws InterruptedException {
        // A member someone wrote by hand, with a lease that ended long ago.
        REDIS.server().cli("ZADD", RedisKeys.HOLDERS, "0", "ghost");
        REDIS.server().cli("HSET", RedisKeys.STATUS_HASH, "slot_occupied", "1", "queue_size", "0");
        assertStatus(status("redis"), true, 0);
        // Reclaimed by this step; its slot waits out the reclaim notice (500 ms with the default lease) first.
        String first = create("queued");
        assertThat(REDIS.server().cli("ZRANGE", RedisKeys.HOLDERS, "0", "-1")).doesNotContain("ghost");
        Thread.sleep(600);
        create("queued");   // this step grants the first, the second waits behind it
        assertThat(session(first).get("state").asText()).isEqualTo("created");
        assertStatus(status("redis"), true, 1);
    }
}
