package io.opentalking.controlplane.http;

import io.opentalking.controlplane.testing.Await;
import io.opentalking.controlplane.testing.PrivateRedis;
import io.opentalking.controlplane.testing.SseClient;
import io.opentalking.controlplane.testing.TestHttp;
import io.opentalking.controlplane.testing.TestServer;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Shutdown of the replica holding a slot session: the session's event stream on that replica gets
 * {@code session.expired} ({@code server_shutdown}) and {@code session.closed} before it ends, on both stores.
 */
class ShutdownEventsIT {
    private static final String FLASHTALK = "{\"avatar_id\":\"demo-avatar\",\"model\":\"flashtalk\"}";
    private static final Duration WAIT = Duration.ofSeconds(10);

    @RegisterExtension
    static final PrivateRedis REDIS = PrivateRedis.flushedBeforeEachTest();

    @ParameterizedTest(name = "{0} store")
    @ValueSource(strings = {"memory", "redis"})
    void theHolderStreamGetsExpiredAndClosedBeforeItEnds(String store) throws Exception {
        Map<String, String> env = new HashMap<>();
        // legacy_ws is not probed: flashtalk is connected from the first round, and nothing listens on port 1.
        env.put("OPENTALKING_FLASHTALK_WS_URL", "ws://127.0.0.1:1");
        env.put("OPENTALKING_SHUTDOWN_GRACE_MS", "3000");
        if (store.equals("redis")) {
            env.put("OPENTALKING_REDIS_URL", REDIS.server().url());
        }
        TestServer server = TestServer.start(env);
        try {
            // The store connects in the background; a cold client may take longer than the connect timeout.
            Await.untilTrue(WAIT, "queue status read from the " + store + " store",
                    () -> store.equals(server.http().get("/queue/status").header("X-Queue-Status-Source")));
            TestHttp.Reply created = server.http().post("/sessions", FLASHTALK);
            assertThat(created.status()).as(created.body()).isEqualTo(200);
            assertThat(created.json().get("status").asText()).isEqualTo("created");
            String id = created.json().get("session_id").asText();

            try (SseClient sse = new SseClient(server.url() + "/sessions/" + id + "/events", null)) {
                assertThat(sse.status()).isEqualTo(200);
                // The replayed grant: the stream is subscribed before the server is told to stop.
                SseClient.Event granted = sse.next(WAIT);
                assertThat(granted.name()).isEqualTo("session.queued");
                assertThat(granted.data().get("message").asText()).isEqualTo("slot_acquired");

                // close() waits for in-flight requests, and this stream is one: run it beside the reader.
                CompletableFuture<Void> stopping = CompletableFuture.runAsync(server::close);

                SseClient.Event expired = sse.next(WAIT);
                assertThat(expired.name()).as("event after SIGTERM").isEqualTo("session.expired");
                assertThat(expired.data().get("message").asText()).isEqualTo("server_shutdown");
                assertThat(expired.data().get("session_id").asText()).isEqualTo(id);
                SseClient.Event closed = sse.next(WAIT);
                assertThat(closed.name()).isEqualTo("session.closed");
                assertThat(closed.data().get("state").asText()).isEqualTo("closed");
                assertThat(sse.next(WAIT).isEnd()).as("the stream ends after session.closed").isTrue();
                assertThat(expired.id()).isNotEqualTo(granted.id());
                assertThat(closed.id()).isNotEqualTo(expired.id());

                stopping.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            }
        } finally {
            server.close();
        }
    }
}
