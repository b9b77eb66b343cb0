package io.opentalking.controlplane.sessions;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentalking.controlplane.testing.RedisServerProcess;
import io.opentalking.controlplane.testing.SseClient;
import io.opentalking.controlplane.testing.TestHttp;
import io.opentalking.controlplane.testing.TestServer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Slot models through the shared queue: two server instances on one Redis, 1 slot, 3 waiting. */
class SlotSessionsIT {
    private static final String FLASHTALK = "{\"avatar_id\":\"demo-avatar\",\"model\":\"flashtalk\"}";

    private static Map<String, String> env(RedisServerProcess redis) {
        return Map.of("OPENTALKING_REDIS_URL", redis.url(), "OPENTALKING_FLASHTALK_WS_URL", "ws://127.0.0.1:9/x",
                "OPENTALKING_QUEUE_SWEEP_MS", "100");
    }

    private static String id(TestHttp.Reply r) {
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().get("session_id").asText();
    }

    @Test
    void twoInstancesShareOneSlotAndOneWaitingList() {
        try (RedisServerProcess redis = new RedisServerProcess();
             TestServer a = TestServer.start(env(redis));
             TestServer b = TestServer.start(env(redis))) {
            TestHttp.Reply holder = a.http().post("/sessions", FLASHTALK);
            assertThat(holder.json().get("status").asText()).isEqualTo("created");
            List<String> waiters = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                TestServer via = i % 2 == 0 ? b : a;
                TestHttp.Reply w = via.http().post("/sessions", FLASHTALK);
                assertThat(w.json().get("status").asText()).isEqualTo("queued");
                waiters.add(id(w));
            }
            TestHttp.Reply fifth = b.http().post("/sessions", FLASHTALK);
            assertThat(fifth.status()).isEqualTo(503);
            assertThat(fifth.header("Retry-After")).isNotBlank();
            assertThat(fifth.json().get("detail").asText()).contains("queue_full");

            JsonNode q = a.http().get("/queue/status").json();
            assertThat(q.get("slot_occupied").asBoolean()).isTrue();
            assertThat(q.get("queue_size").asInt()).isEqualTo(3);
            assertThat(b.http().get("/queue/status").header("X-Queue-Status-Source")).isEqualTo("redis");
            for (int i = 0; i < 3; i++) {
                JsonNode s = a.http().get("/sessions/" + waiters.get(i)).json();
                assertThat(s.get("state").asText()).isEqualTo("queued");
                assertThat(s.get("queue_position").asInt()).isEqualTo(i + 1);
            }

            try (SseClient first = new SseClient(b.url() + "/sessions/" + waiters.get(0) + "/events", null);
                 SseClient third = new SseClient(a.url() + "/sessions/" + waiters.get(2) + "/events", null)) {
                // A late subscriber still learns where it stands.
                SseClient.Event now = third.next(Duration.ofSeconds(5));
                assertThat(now.name()).isEqualTo("session.queued");
                assertThat(now.data().get("position").asInt()).isEqualTo(3);
                assertThat(now.data().get("message").asText()).isEqualTo("waiting");

                assertThat(b.http().delete("/sessions/" + id(holder)).status()).isEqualTo(200);
                SseClient.Event granted = first.until("session.queued", "slot_acquired", Duration.ofSeconds(5));
                assertThat(granted.data().get("position").asInt()).isZero();
                SseClient.Event moved = third.until("session.queued", "waiting", Duration.ofSeconds(5));
                assertThat(moved.data().get("position").asInt()).isEqualTo(2);
            }
            assertThat(a.http().get("/sessions/" + waiters.get(0)).json().get("state").asText()).isEqualTo("created");
            assertThat(b.http().get("/sessions/" + waiters.get(1)).json().get("queue_position").asInt()).isEqualTo(1);
            JsonNode q2 = b.http().get("/queue/status").json();
            assertThat(q2.get("slot_occupied").asBoolean()).isTrue();
            assertThat(q2.get("queue_size").asInt()).isEqualTo(2);

            // Leaving the queue moves the others up, and a second DELETE answers the same.
            TestHttp.Reply d1 = a.http().delete("/sessions/" + waiters.get(1));
            assertThat(d1.json().get("status").asText()).isEqualTo("closed");
            assertThat(b.http().delete("/sessions/" + waiters.get(1)).body()).isEqualTo(d1.body());
            assertThat(a.http().get("/sessions/" + waiters.get(2)).json().get("queue_position").asInt()).isEqualTo(1);
            assertThat(a.http().get("/queue/status").json().get("queue_size").asInt()).isEqualTo(1);
        }
    }

    @Test
    void lastEventIdResumesAfterTheGivenEvent() {
        try (RedisServerProcess redis = new RedisServerProcess(); TestServer a = TestServer.start(env(redis))) {
            String holder = id(a.http().post("/sessions", FLASHTALK));
            String waiter = id(a.http().post("/sessions", FLASHTALK));
            String firstId;
            try (SseClient sse = new SseClient(a.url() + "/sessions/" + waiter + "/events", null)) {
                SseClient.Event e = sse.next(Duration.ofSeconds(5));
                assertThat(e.data().get("message").asText()).isEqualTo("waiting");
                firstId = e.id();
            }
            a.http().delete("/sessions/" + holder);
            try (SseClient resumed = new SseClient(a.url() + "/sessions/" + waiter + "/events", firstId)) {
                SseClient.Event e = resumed.next(Duration.ofSeconds(5));
                assertThat(e.name()).isEqualTo("session.queued");
                assertThat(e.data().get("message").asText()).isEqualTo("slot_acquired");
            }
        }
    }

    @Test
    void queueStoreDownMeans503NotAHang() {
        RedisServerProcess redis = new RedisServerProcess();
        try (TestServer a = TestServer.start(env(redis))) {
            redis.kill();
            long t0 = System.nanoTime();
            TestHttp.Reply r = a.http().post("/sessions", FLASHTALK);
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.header("Retry-After")).isNotBlank();
            assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(3000);
            TestHttp.Reply q = a.http().get("/queue/status");
            assertThat(q.status()).isEqualTo(200);
            assertThat(q.header("X-Queue-Status-Source")).isEqualTo("unavailable");
        } finally {
            redis.close();
        }
    }
}
