package io.opentalking.controlplane.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentalking.controlplane.testing.RawHttp;
import io.opentalking.controlplane.testing.SseClient;
import io.opentalking.controlplane.testing.StubHttpServer;
import io.opentalking.controlplane.testing.StubHttpServer.Answer;
import io.opentalking.controlplane.testing.TestHttp;
import io.opentalking.controlplane.testing.TestServer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code GET /models/events} over real sockets: the replayed table, a live change, HTTP/1.0, caps, shutdown. */
class ModelEventsIT {
    private static final String LISTING = "/v1/audio2video/models";
    private static final long REFRESH_MS = 1000;
    private static final long TIMEOUT_MS = 500;
    private static final Duration WAIT = Duration.ofSeconds(10);

    private static Map<String, String> omnirtEnv(StubHttpServer omnirt) {
        return Map.of("OPENTALKING_OMNIRT_ENDPOINT", omnirt.url(),
                "OPENTALKING_PROBE_TIMEOUT_MS", Long.toString(TIMEOUT_MS),
                "OPENTALKING_MODELS_REFRESH_MS", Long.toString(REFRESH_MS),
                "OPENTALKING_PROBE_FAILURE_THRESHOLD", "1");
    }

    private static Map<String, JsonNode> byId(JsonNode statuses) {
        Map<String, JsonNode> out = new HashMap<>();
        statuses.forEach(s -> out.put(s.get("id").asText(), s));
        return out;
    }

    @Test
    void replaysTheTableOnConnectThenDeliversAChangeWithinOneRefreshPeriod() {
        try (StubHttpServer omnirt = new StubHttpServer().answer(LISTING, Answer.json(200, "{\"models\":[\"flashtalk\"]}"));
             TestServer s = TestServer.start(omnirtEnv(omnirt))) {
            Map<String, JsonNode> table = byId(s.http().get("/models").json().get("statuses"));
            assertThat(table.get("flashtalk").get("connected").asBoolean()).isTrue();
            try (SseClient sse = new SseClient(s.url() + "/models/events", null)) {
                assertThat(sse.status()).isEqualTo(200);
                assertThat(sse.contentType()).startsWith("text/event-stream");
                Map<String, JsonNode> replayed = new HashMap<>();
                for (int i = 0; i < table.size(); i++) {
                    SseClient.Event e = sse.next(WAIT);
                    assertThat(e.name()).isEqualTo(ModelEventStream.EVENT);
                    Instant.parse(e.data().get("taken_at").asText());
                    replayed.put(e.data().get("status").get("id").asText(), e.data().get("status"));
                }
                assertThat(replayed).as("one models.changed per model, each the status of /models")
                        .isEqualTo(table);

                omnirt.answer(LISTING, Answer.json(503, "{\"detail\":\"down\"}"));
                long t0 = System.nanoTime();
                SseClient.Event change = sse.until(ModelEventStream.EVENT, null, WAIT);
                long ms = (System.nanoTime() - t0) / 1_000_000;
                JsonNode st = change.data().get("status");
                assertThat(st.get("id").asText()).isEqualTo("flashtalk");
                assertThat(st.get("connected").asBoolean()).isFalse();
                assertThat(st.get("reason").asText()).isEqualTo("omnirt_unavailable");
                // The next round starts within one period and takes at most the probe timeout.
                assertThat(ms).as("ms from the backend going down to the event").isLessThan(REFRESH_MS + TIMEOUT_MS);
                assertThat(byId(s.http().get("/models").json().get("statuses")).get("flashtalk")).isEqualTo(st);
            }
        }
    }

    @Test
    void keepAliveCommentsCome() {
        try (TestServer s = TestServer.start(Map.of(), TestServer.REPO, Duration.ofMillis(100));
             SseClient sse = new SseClient(s.url() + "/models/events", null)) {
            assertThat(sse.status()).isEqualTo(200);
            io.opentalking.controlplane.testing.Await.untilTrue(WAIT, "keep-alive comments", () -> sse.comments() >= 3);
        }
    }

    @Test
    void anHttp10StreamIsNotChunkedAndEndsByClosingAtShutdown() {
        TestServer s = TestServer.start(Map.of());
        try (RawHttp c = RawHttp.connect(s.port())) {
            c.send("GET /models/events HTTP/1.0\r\n\r\n");
            RawHttp.Seen first = c.read(Duration.ofSeconds(2));
            assertThat(first.firstStatus()).isEqualTo(200);
            assertThat(first.head().toLowerCase()).doesNotContain("transfer-encoding").doesNotContain("content-length");
            assertThat(first.text()).contains("event: models.changed");
            s.close();
            RawHttp.Seen rest = c.read(Duration.ofSeconds(5));
            assertThat(rest.text()).contains(": server shutting down");
            assertThat(rest.closedByServer()).isTrue();
        } finally {
            s.close();
        }
    }

    @Test
    void modelStreamsCountInTheTotalCapWithSessionStreams() {
        try (TestServer s = TestServer.start(Map.of("OPENTALKING_MAX_EVENT_STREAMS", "1"))) {
            String id = s.http().post("/sessions", "{\"avatar_id\":\"demo-avatar\",\"model\":\"mock\"}").json()
                    .get("session_id").asText();
            try (SseClient models = new SseClient(s.url() + "/models/events", null)) {
                assertThat(models.status()).isEqualTo(200);
                TestHttp.Reply second = s.http().get("/models/events");
                assertThat(second.status()).isEqualTo(503);
                assertThat(second.header("Retry-After")).isNotNull();
                assertThat(s.http().get("/sessions/" + id + "/events").status()).isEqualTo(503);
            }
        }
    }

    @Test
    void aServerEndingItsStreamsAnswers204SoEventSourceStops() {
        try (ShuttingDownStreams closing = new ShuttingDownStreams()) {
            TestHttp.Reply r = new TestHttp(closing.url()).get("/models/events");
            assertThat(r.status()).isEqualTo(204);
            assertThat(r.body()).isEmpty();
        }
    }
}
