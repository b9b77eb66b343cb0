package io.opentalking.controlplane.sessions;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentalking.controlplane.testing.FreePorts;
import io.opentalking.controlplane.testing.SseClient;
import io.opentalking.controlplane.testing.StubHttpServer;
import io.opentalking.controlplane.testing.TestHttp;
import io.opentalking.controlplane.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** POST /sessions checks in order, the seed's disconnected-model rule, and a mock session's whole life. */
class SessionsIT {
    @TempDir
    static Path tmp;
    static Path avatars;
    static final long LINGER_SEC = 2;
    static TestServer server;

    @BeforeAll
    static void start() throws IOException {
        avatars = tmp.resolve("avatars");
        Path demo = avatars.resolve("demo-avatar");
        Files.createDirectories(demo);
        Path repoDemo = TestServer.REPO.resolve("examples/avatars/demo-avatar");
        Files.copy(repoDemo.resolve("manifest.json"), demo.resolve("manifest.json"));
        Files.copy(repoDemo.resolve("preview.png"), demo.resolve("preview.png"));
        Files.createDirectories(avatars.resolve("no-fps"));
        Files.writeString(avatars.resolve("no-fps/manifest.json"), "{\"id\":\"no-fps\",\"model_type\":\"mock\","
                + "\"sample_rate\":16000,\"width\":2,\"height\":2,\"version\":\"1\"}");
        Path outside = tmp.resolve("outside");
        Files.createDirectories(outside);
        Files.copy(repoDemo.resolve("manifest.json"), outside.resolve("manifest.json"));
        Files.createSymbolicLink(avatars.resolve("escape"), outside);
        server = TestServer.start(Map.of("OPENTALKING_AVATARS_DIR", avatars.toString(),
                "OPENTALKING_SSE_LINGER_SEC", Long.toString(LINGER_SEC)));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static TestHttp.Reply create(String body) {
        return server.http().post("/sessions", body);
    }

    private static void assertRejected(String body, int status, String detail) {
        TestHttp.Reply r = create(body);
        assertThat(r.status()).as(body).isEqualTo(status);
        assertThat(r.json().get("detail").asText()).as(body).isEqualTo(detail);
    }

    @Test
    void everyCheckAnswersWithItsStatusAndDetail() {
        assertRejected("not json", 400, "request body is not valid JSON");
        assertRejected("[]", 400, "request body must be a JSON object with avatar_id and model");
        assertRejected("", 400, "request body must be a JSON object with avatar_id and model");
        assertRejected("{\"model\":\"mock\"}", 400, "avatar_id is required");
        assertRejected("{\"avatar_id\":\"demo-avatar\"}", 400, "model is required");
        assertRejected("{\"avatar_id\":\"demo-avatar\",\"model\":123}", 400, "model must be a string");
        assertRejected("{\"avatar_id\":7,\"model\":\"mock\"}", 400, "avatar_id must be a string");
        assertRejected("{\"avatar_id\":\"demo-avatar\",\"model\":\"mock\",\"tts_voice\":{}}", 400,
                "tts_voice must be a string");
        assertRejected("{\"avatar_id\":\"../../etc\",\"model\":\"mock\"}", 400, "invalid avatar_id");
        assertRejected("{\"avatar_id\":\"/etc\",\"model\":\"mock\"}", 400, "invalid avatar_id");
        assertRejected("{\"avatar_id\":\"..\",\"model\":\"mock\"}", 400, "invalid avatar_id");
        assertRejected("{\"avatar_id\":\"escape\",\"model\":\"mock\"}", 400, "invalid avatar_id");
        assertRejected("{\"avatar_id\":\"ghost\",\"model\":\"mock\"}", 400, "avatar not found");
        assertRejected("{\"avatar_id\":\"no-fps\",\"model\":\"mock\"}", 400, "invalid avatar: manifest missing field: fps");
        assertRejected("{\"avatar_id\":\"demo-avatar\",\"model\":\"musetalk\"}", 400,
                "model 'musetalk' is not yet supported on this deployment. Currently available: mock.");
        assertRejected("{\"avatar_id\":\"demo-avatar\",\"model\":\"nosuchmodel\"}", 400,
                "model 'nosuchmodel' is not yet supported on this deployment. Currently available: mock.");
    }

    @Test
    void bodiesOver64KiBAre413AndChangeNothing() {
        String big = "{\"avatar_id\":\"demo-avatar\",\"model\":\"mock\",\"llm_system_prompt\":\"" + "x".repeat(1024 * 1024) + "\"}";
        TestHttp.Reply r = create(big);
        assertThat(r.status()).isEqualTo(413);
        assertThat(r.json().get("detail").asText()).contains("larger than 65536 bytes");
        String justUnder = "{\"avatar_id\":\"demo-avatar\",\"model\":\"mock\",\"llm_system_prompt\":\""
                + "x".repeat(60 * 1024) + "\"}";
        assertThat(create(justUnder).status()).isEqualTo(200);
    }

    @Test
    void aMockSessionsLife() {
        TestHttp.Reply c = create("{\"avatar_id\":\" demo-avatar \",\"model\":\" MOCK \",\"tts_voice\":\"alloy\",\"unknown\":1}");
        assertThat(c.status()).isEqualTo(200);
        String id = c.json().get("session_id").asText();
        assertThat(UUID.fromString(id).version()).isEqualTo(4);
        assertThat(c.json().get("status").asText()).isEqualTo("created");

        JsonNode s = server.http().get("/sessions/" + id).json();
        assertThat(s.get("state").asText()).isEqualTo("created");
        assertThat(s.get("model").asText()).isEqualTo("mock");
        assertThat(s.get("avatar_id").asText()).isEqualTo("demo-avatar");
        assertThat(s.get("tts_voice").asText()).isEqualTo("alloy");
        assertThat(s.has("created_at")).isTrue();

        TestHttp.Reply start = server.http().post("/sessions/" + id + "/start", "");
        assertThat(start.status()).isEqualTo(200);
        assertThat(start.json().get("status").asText()).isEqualTo("running");
        TestHttp.Reply again = server.http().post("/sessions/" + id + "/start", "");
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.json().get("detail").asText()).isEqualTo("session is already running");

        TestHttp.Reply d1 = server.http().delete("/sessions/" + id);
        TestHttp.Reply d2 = server.http().delete("/sessions/" + id);
        assertThat(d1.status()).isEqualTo(200);
        assertThat(d1.body()).isEqualTo("{\"session_id\":\"" + id + "\",\"status\":\"closed\"}");
        assertThat(d2.body()).isEqualTo(d1.body());
        assertThat(server.http().get("/sessions/" + id).json().get("state").asText()).isEqualTo("closed");
        assertThat(server.http().post("/sessions/" + id + "/start", "").status()).isEqualTo(409);
    }

    @Test
    void unknownSessionsAre404() {
        for (TestHttp.Reply r : new TestHttp.Reply[]{server.http().get("/sessions/nope"),
                server.http().delete("/sessions/nope"), server.http().post("/sessions/nope/start", ""),
                server.http().get("/sessions/nope/events")}) {
            assertThat(r.status()).isEqualTo(404);
            assertThat(r.body()).isEqualTo("{\"detail\":\"session not found\"}");
        }
    }

    @Test
    void avatarsAreListedByDirectoryName() {
        JsonNode list = server.http().get("/avatars").json();
        assertThat(list).hasSize(1);
        assertThat(list.get(0).get("id").asText()).isEqualTo("demo-avatar");
        assertThat(server.http().get("/avatars/demo-avatar").json().get("width").asInt()).isEqualTo(256);
        TestHttp.Reply png = server.http().get("/avatars/demo-avatar/preview");
        assertThat(png.status()).isEqualTo(200);
        assertThat(png.header("Content-Type")).isEqualTo("image/png");
        assertThat(server.http().get("/avatars/ghost").body()).isEqualTo("{\"detail\":\"avatar not found\"}");
        assertThat(server.http().get("/avatars/escape").status()).isEqualTo(404);
        assertThat(server.http().get("/avatars/no-fps").status()).isEqualTo(404);
    }

    @Test
    void theSeedRuleFollowsConfiguration() {
        String body = "{\"avatar_id\":\"demo-avatar\",\"model\":\"musetalk\"}";
        try (TestServer down = TestServer.start(Map.of("OPENTALKING_OMNIRT_ENDPOINT",
                "http://127.0.0.1:" + FreePorts.free()))) {
            TestHttp.Reply r = down.http().post("/sessions", body);
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.json().get("detail").asText())
                    .isEqualTo("model 'musetalk' is not yet supported on this deployment. Currently available: mock.");
        }
        try (StubHttpServer omnirt = new StubHttpServer().answer("/v1/audio2video/models",
                StubHttpServer.Answer.json(200, "{\"models\":[\"musetalk\",\"wav2lip\"]}"));
             TestServer up = TestServer.start(Map.of("OPENTALKING_OMNIRT_ENDPOINT", omnirt.url()))) {
            TestHttp.Reply r = up.http().post("/sessions", body);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.json().get("status").asText()).isEqualTo("created");
            TestHttp.Reply other = up.http().post("/sessions", "{\"avatar_id\":\"demo-avatar\",\"model\":\"flashtalk\"}");
            assertThat(other.json().get("detail").asText())
                    .isEqualTo("model 'flashtalk' is not yet supported on this deployment. Currently available: "
                            + "mock, musetalk, wav2lip.");
        }
    }

    @Test
    void aMockSessionStreamLingersAfterItIsDeletedThenEnds() {
        String id = create("{\"avatar_id\":\"demo-avatar\",\"model\":\"mock\"}").json().get("session_id").asText();
        try (SseClient sse = new SseClient(server.url() + "/sessions/" + id + "/events", null)) {
            assertThat(sse.status()).isEqualTo(200);
            assertThat(sse.contentType()).startsWith("text/event-stream");
            server.http().delete("/sessions/" + id);
            SseClient.Event closed = sse.until("session.closed", null, Duration.ofSeconds(5));
            assertThat(closed.data().get("state").asText()).isEqualTo("closed");
            // A browser's EventSource takes the end of a stream for an error: the stream stays open a while.
            long t0 = System.nanoTime();
            assertThat(sse.next(Duration.ofSeconds(LINGER_SEC + 5)).isEnd()).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThan(Duration.ofMillis(LINGER_SEC * 1000 - 300));
        }
        // Once ended, a reconnect is told to stop (204), and one with Last-Event-ID gets what it missed.
        assertThat(server.http().get("/sessions/" + id + "/events").status()).isEqualTo(204);
        TestHttp.Reply missed = server.http().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(server.url() + "/sessions/" + id + "/events")).header("Last-Event-ID", "0").GET());
        assertThat(missed.status()).isEqualTo(200);
        assertThat(missed.body()).contains("event: session.closed");
    }
}
