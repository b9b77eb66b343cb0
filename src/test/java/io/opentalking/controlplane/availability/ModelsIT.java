package io.opentalking.controlplane.availability;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentalking.controlplane.testing.Await;
import io.opentalking.controlplane.testing.FreePorts;
import io.opentalking.controlplane.testing.SilentServer;
import io.opentalking.controlplane.testing.StubHttpServer;
import io.opentalking.controlplane.testing.StubHttpServer.Answer;
import io.opentalking.controlplane.testing.TestHttp;
import io.opentalking.controlplane.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Every status rule of /models, reached through configuration only, against real fake backends. */
class ModelsIT {
    @TempDir
    Path tmp;

    private static JsonNode status(JsonNode body, String id) {
        for (JsonNode s : body.get("statuses")) {
            if (s.get("id").asText().equals(id)) {
                return s;
            }
        }
        throw new AssertionError("no status for " + id + " in " + body);
    }

    private static void assertStatus(JsonNode body, String id, String backend, boolean connected, String reason) {
        JsonNode s = status(body, id);
        assertThat(s.get("backend").asText()).as(id + " backend").isEqualTo(backend);
        assertThat(s.get("connected").asBoolean()).as(id + " connected; " + s).isEqualTo(connected);
        assertThat(s.get("reason").asText()).as(id + " reason; " + s).isEqualTo(reason);
    }

    private static JsonNode models(Map<String, String> env) {
        try (TestServer s = TestServer.start(env)) {
            TestHttp.Reply r = s.http().get("/models");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Content-Type")).isEqualTo("application/json; charset=utf-8");
            return r.json();
        }
    }

    @Test
    void nothingConfiguredGivesTheSeedsAnswer() {
        JsonNode body = models(Map.of());
        assertThat(body.get("models").toString())
                .isEqualTo("[\"mock\",\"flashtalk\",\"musetalk\",\"wav2lip\",\"flashhead\",\"quicktalk\"]");
        assertThat(body.get("statuses")).hasSize(6);
        assertStatus(body, "mock", "mock", true, "local_self_test");
        assertStatus(body, "flashtalk", "omnirt", false, "not_configured");
        assertStatus(body, "musetalk", "omnirt", false, "not_configured");
        assertStatus(body, "wav2lip", "omnirt", false, "not_configured");
        assertStatus(body, "flashhead", "direct_ws", false, "not_configured");
        assertStatus(body, "quicktalk", "local", false, "local_adapter_missing");
        assertThat(status(body, "mock").get("detail").asText()).contains("256x256");
        assertThat(status(body, "quicktalk").get("detail").asText()).contains("repair.npy");
        assertThat(body.get("default_model").isNull()).isTrue();
        assertThat(body.fieldNames()).toIterable().containsExactly("models", "statuses", "default_model");
        for (JsonNode s : body.get("statuses")) {
            assertThat(s.fieldNames()).toIterable().startsWith("id", "backend", "connected", "reason");
        }
    }

    @Test
    void omnirtModelsListingConnectsListedModelsAndSendsTheKey() {
        try (StubHttpServer omnirt = new StubHttpServer()
                .answer("/v1/audio2video/models", Answer.json(200, "{\"models\":[\"flashtalk\",\"Wav2Lip\"]}"))) {
            JsonNode body = models(Map.of("OPENTALKING_OMNIRT_ENDPOINT", omnirt.url(),
                    "OPENTALKING_OMNIRT_API_KEY", "sk-test"));
            assertStatus(body, "flashtalk", "omnirt", true, "omnirt");
            assertStatus(body, "wav2lip", "omnirt", true, "omnirt");
            assertStatus(body, "musetalk", "omnirt", false, "omnirt_unavailable");
            assertThat(status(body, "musetalk").get("detail").asText()).contains("not listed");
            assertThat(body.toString()).doesNotContain("sk-test");
            assertThat(omnirt.seen()).isNotEmpty().allSatisfy(s -> assertThat(s.authorization()).isEqualTo("Bearer sk-test"));
        }
    }

    @Test
    void noAuthorizationHeaderWithoutAKey() {
        try (StubHttpServer omnirt = new StubHttpServer()
                .answer("/v1/audio2video/models", Answer.json(200, "{\"models\":[\"flashtalk\"]}"))) {
            JsonNode body = models(Map.of("OMNIRT_ENDPOINT", omnirt.url().replace("http://", "ws://")));
            assertStatus(body, "flashtalk", "omnirt", true, "omnirt");
            assertThat(omnirt.seen()).isNotEmpty().allSatisfy(s -> assertThat(s.authorization()).isNull());
        }
    }

    @Test
    void omnirtStatusesShapeIsAccepted() {
        try (StubHttpServer omnirt = new StubHttpServer().answer("/v1/audio2video/models", Answer.json(200,
                "{\"statuses\":[{\"id\":\"musetalk\",\"connected\":true},{\"id\":\"flashtalk\",\"connected\":false}]}"))) {
            JsonNode body = models(Map.of("OPENTALKING_OMNIRT_ENDPOINT", omnirt.url()));
            assertStatus(body, "musetalk", "omnirt", true, "omnirt");
            assertStatus(body, "flashtalk", "omnirt", false, "omnirt_unavailable");
        }
    }

    @Test
    void legacyAvatarPathIsTriedWhenThePrimaryYieldsNothing() {
        try (StubHttpServer omnirt = new StubHttpServer()
                .answer("/v1/avatar/models", Answer.json(200, "{\"models\":[\"flashtalk\"]}"))) {
            JsonNode body = models(Map.of("OPENTALKING_OMNIRT_ENDPOINT", omnirt.url() + "/"));
            assertStatus(body, "flashtalk", "omnirt", true, "omnirt");
            assertThat(omnirt.seen()).extracting(StubHttpServer.Seen::path)
                    .containsSubsequence("/v1/audio2video/models", "/v1/avatar/models");
        }
    }

    @Test
    void endpointPathPrefixIsKept() {
        try (StubHttpServer omnirt = new StubHttpServer()
                .answer("/omnirt/v1/audio2video/models", Answer.json(200, "{\"models\":[\"musetalk\"]}"))) {
            JsonNode body = models(Map.of("OPENTALKING_OMNIRT_ENDPOINT", omnirt.url() + "/omnirt/"));
            assertStatus(body, "musetalk", "omnirt", true, "omnirt");
        }
    }

    @Test
    void nonJsonAnswerIsUnavailableWithADetail() {
        try (StubHttpServer omnirt = new StubHttpServer().fallback(Answer.text(200, "<html>gateway</html>"))) {
            JsonNode body = models(Map.of("OPENTALKING_OMNIRT_ENDPOINT", omnirt.url()));
            assertStatus(body, "flashtalk", "omnirt", false, "omnirt_unavailable");
            assertThat(status(body, "flashtalk").get("detail").asText()).contains("not JSON");
        }
    }

    @Test
    void hugeAnswerIsCutAt1MiB() {
        byte[] huge = new byte[50 * 1024 * 1024];
        java.util.Arrays.fill(huge, (byte) ' ');
        try (StubHttpServer omnirt = new StubHttpServer().fallback(new Answer(200, "application/json", huge))) {
            long t0 = System.nanoTime();
            JsonNode body = models(Map.of("OPENTALKING_OMNIRT_ENDPOINT", omnirt.url()));
            assertStatus(body, "flashtalk", "omnirt", false, "omnirt_unavailable");
            assertThat(status(body, "flashtalk").get("detail").asText()).contains("larger than 1 MiB");
            assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(5000);
        }
    }

    @Test
    void errorStatusIsUnavailable() {
        try (StubHttpServer omnirt = new StubHttpServer().fallback(Answer.json(503, "{}"))) {
            JsonNode body = models(Map.of("OPENTALKING_OMNIRT_ENDPOINT", omnirt.url()));
            assertStatus(body, "flashtalk", "omnirt", false, "omnirt_unavailable");
            assertThat(status(body, "flashtalk").get("detail").asText()).contains("HTTP 503");
        }
    }

    @Test
    void closedPortIsUnavailable() {
        JsonNode body = models(Map.of("OPENTALKING_OMNIRT_ENDPOINT", "http://127.0.0.1:" + FreePorts.free()));
        assertStatus(body, "flashtalk", "omnirt", false, "omnirt_unavailable");
        assertThat(status(body, "flashtalk").get("detail").asText()).contains("refused");
    }

    @Test
    void silentBackendsAreBoundedByTheProbeTimeoutAndTheSnapshotServesLaterCalls() {
        try (SilentServer omnirt = new SilentServer(); SilentServer ws = new SilentServer();
             TestServer s = TestServer.start(Map.of(
                     "OPENTALKING_OMNIRT_ENDPOINT", "http://127.0.0.1:" + omnirt.port(),
                     "OPENTALKING_OMNIRT_LISTING_TIMEOUT_MS", "1000",
                     "OPENTALKING_FLASHHEAD_WS_URL", "ws://127.0.0.1:" + ws.port() + "/v1/avatar/realtime"))) {
            long t0 = System.nanoTime();
            TestHttp.Reply first = s.http().get("/models");
            long firstMs = (System.nanoTime() - t0) / 1_000_000;
            assertThat(first.status()).isEqualTo(200);
            assertThat(firstMs).as("first /models with silent backends").isLessThan(1000 + 200);
            JsonNode body = first.json();
            assertStatus(body, "flashtalk", "omnirt", false, "omnirt_unavailable");
            assertStatus(body, "flashhead", "direct_ws", false, "direct_ws_unavailable");
            // One condition, one wording, whichever side (HTTP client or round) noticed it first.
            assertThat(status(body, "flashtalk").get("detail").asText()).isEqualTo("GET http://127.0.0.1:"
                    + omnirt.port() + "/v1/audio2video/models timed out after 1000 ms");
            assertThat(status(body, "flashhead").get("detail").asText()).isEqualTo("GET http://127.0.0.1:"
                    + ws.port() + "/v1/avatar/realtime/ timed out after 1000 ms");
            long best = Long.MAX_VALUE;
            for (int i = 0; i < 5; i++) {
                long t1 = System.nanoTime();
                assertThat(s.http().get("/models").status()).isEqualTo(200);
                best = Math.min(best, (System.nanoTime() - t1) / 1_000_000);
            }
            assertThat(best).as("warm /models").isLessThan(50);
            System.out.printf("[figure] /models silent backends: first %d ms, warm best of 5 %d ms%n", firstMs, best);
        }
    }

    @Test
    void directWsReachabilityFollowsTheHttpStatus() {
        try (StubHttpServer ok = new StubHttpServer().fallback(Answer.text(426, "Upgrade Required"));
             StubHttpServer broken = new StubHttpServer().fallback(Answer.text(503, "down"))) {
            JsonNode body = models(Map.of("OPENTALKING_FLASHHEAD_WS_URL", "ws://127.0.0.1:" + ok.port() + "/v1/avatar/realtime",
                    "OPENTALKING_MUSETALK_BACKEND", "direct_ws",
                    "OPENTALKING_MUSETALK_WS_URL", "ws://127.0.0.1:" + broken.port() + "/ws"));
            assertStatus(body, "flashhead", "direct_ws", true, "direct_ws");
            assertStatus(body, "musetalk", "direct_ws", false, "direct_ws_unavailable");
            assertThat(status(body, "musetalk").get("detail").asText()).contains("HTTP 503");
            assertThat(ok.seen()).extracting(StubHttpServer.Seen::path).contains("/v1/avatar/realtime/");
        }
    }

    @Test
    void directWsClosedPortIsUnavailable() {
        JsonNode body = models(Map.of("FLASHHEAD_WS_URL", "ws://127.0.0.1:" + FreePorts.free() + "/x"));
        assertStatus(body, "flashhead", "direct_ws", false, "direct_ws_unavailable");
    }

    @Test
    void flashheadExplicitSwitchSkipsTheProbe() {
        try (SilentServer ws = new SilentServer()) {
            JsonNode body = models(Map.of("OPENTALKING_FLASHHEAD_ENABLED", " Yes ",
                    "OPENTALKING_FLASHHEAD_WS_URL", "ws://127.0.0.1:" + ws.port() + "/x"));
            assertStatus(body, "flashhead", "direct_ws", true, "explicit_enabled");
            assertThat(ws.accepted()).isZero();
        }
    }

    @Test
    void legacyFlashtalkUrlConnectsWithoutAProbe() {
        JsonNode body = models(Map.of("OPENTALKING_FLASHTALK_WS_URL", "ws://127.0.0.1:8765"));
        assertStatus(body, "flashtalk", "omnirt", true, "legacy_ws");
        assertStatus(body, "musetalk", "omnirt", false, "not_configured");
    }

    private Path quicktalkTree(boolean complete) throws IOException {
        Path root = tmp.resolve(complete ? "qt-ok" : "qt-missing");
        Path ck = root.resolve("checkpoints");
        Files.createDirectories(ck.resolve("chinese-hubert-large"));
        Files.createDirectories(ck.resolve("auxiliary/models/buffalo_l"));
        Files.writeString(ck.resolve("repair.npy"), "x");
        Files.writeString(ck.resolve("quicktalk.pth"), "x");
        if (complete) {
            Files.writeString(ck.resolve("chinese-hubert-large/pytorch_model.bin"), "x");
        }
        return root;
    }

    @Test
    void quicktalkLocalRuntimeFollowsItsFileLayout() throws IOException {
        Map<String, String> env = new HashMap<>(Map.of("OPENTALKING_QUICKTALK_ASSET_ROOT", quicktalkTree(true).toString(),
                "OPENTALKING_QUICKTALK_DEVICE", "cpu"));
        assertStatus(models(env), "quicktalk", "local", true, "local_runtime");

        env.put("OPENTALKING_QUICKTALK_ASSET_ROOT", quicktalkTree(false).toString());
        JsonNode missing = models(env);
        assertStatus(missing, "quicktalk", "local", false, "local_adapter_missing");
        assertThat(status(missing, "quicktalk").get("detail").asText()).contains("pytorch_model.bin");
    }

    @Test
    void cudaDeviceCountsOnlyWithAnNvidiaDriver() throws IOException {
        JsonNode body = models(Map.of("OPENTALKING_QUICKTALK_ASSET_ROOT", quicktalkTree(true).toString(),
                "OPENTALKING_QUICKTALK_DEVICE", "cuda:6",
                "OPENTALKING_NVIDIA_DRIVER_MARKER", tmp.resolve("no-driver").toString()));
        assertStatus(body, "quicktalk", "local", false, "local_adapter_missing");
        assertThat(status(body, "quicktalk").get("detail").asText()).contains("NVIDIA");
    }

    @Test
    void wav2lipLocalWithTheLegacyFallbackSwitch() {
        JsonNode body = models(Map.of("OPENTALKING_WAV2LIP_BACKEND", "local",
                "OPENTALKING_WAV2LIP_LEGACY_LOCAL_FALLBACK", "1"));
        assertStatus(body, "wav2lip", "local", true, "local_runtime");
    }

    @Test
    void anyModelCanBeSwitchedToMock() {
        JsonNode body = models(Map.of("OPENTALKING_FLASHTALK_BACKEND", "mock", "OPENTALKING_DEFAULT_MODEL", " FlashTalk "));
        assertStatus(body, "flashtalk", "mock", true, "local_self_test");
        assertThat(body.get("default_model").asText()).isEqualTo("flashtalk");
    }

    @Test
    void snapshotFollowsABackendThatGoesAway() {
        StubHttpServer omnirt = new StubHttpServer()
                .answer("/v1/audio2video/models", Answer.json(200, "{\"models\":[\"flashtalk\"]}"));
        try (TestServer s = TestServer.start(Map.of("OPENTALKING_OMNIRT_ENDPOINT", omnirt.url(),
                "OPENTALKING_MODELS_REFRESH_MS", "300", "OPENTALKING_PROBE_TIMEOUT_MS", "200"))) {
            assertStatus(s.http().get("/models").json(), "flashtalk", "omnirt", true, "omnirt");
            omnirt.close();
            JsonNode body = Await.until(Duration.ofSeconds(10), "flashtalk disconnected", () -> {
                JsonNode b = s.http().get("/models").json();
                return status(b, "flashtalk").get("connected").asBoolean() ? null : b;
            });
            assertStatus(body, "flashtalk", "omnirt", false, "omnirt_unavailable");
        }
    }

    private static JsonNode awaitDetail(TestServer s, String id, String fragment) {
        return Await.until(Duration.ofSeconds(20), id + " detail containing '" + fragment + "'", () -> {
            JsonNode st = status(s.http().get("/models").json(), id);
            return st.path("detail").asText().contains(fragment) ? st : null;
        });
    }

    @Test
    void oneFailedRoundKeepsAModelConnectedTwoDisconnectIt() {
        try (StubHttpServer ws = new StubHttpServer().fallback(Answer.json(200, "{}"));
             TestServer s = TestServer.start(Map.of("OPENTALKING_MUSETALK_BACKEND", "direct_ws",
                     "OPENTALKING_MUSETALK_WS_URL", ws.url().replace("http://", "ws://") + "/ws",
                     "OPENTALKING_MODELS_REFRESH_MS", "300", "OPENTALKING_PROBE_TIMEOUT_MS", "300"))) {
            assertStatus(s.http().get("/models").json(), "musetalk", "direct_ws", true, "direct_ws");

            ws.failNext(1);
            JsonNode held = awaitDetail(s, "musetalk", "1 of 2 failures");
            assertThat(held.get("connected").asBoolean()).isTrue();
            assertThat(held.get("reason").asText()).isEqualTo("direct_ws");
            assertThat(held.get("detail").asText()).containsPattern("^last probe failed at \\S+Z; 1 of 2 failures: ")
                    .contains("HTTP 503");
            // The next round succeeds: still connected, and the hold is over.
            JsonNode back = Await.until(Duration.ofSeconds(20), "musetalk probed fine again", () -> {
                JsonNode st = status(s.http().get("/models").json(), "musetalk");
                return st.path("detail").asText().contains("answered HTTP 200") ? st : null;
            });
            assertThat(back.get("connected").asBoolean()).isTrue();

            ws.failNext(2);
            awaitDetail(s, "musetalk", "1 of 2 failures");
            JsonNode down = Await.until(Duration.ofSeconds(20), "musetalk disconnected", () -> {
                JsonNode st = status(s.http().get("/models").json(), "musetalk");
                return st.get("connected").asBoolean() ? null : st;
            });
            assertThat(down.get("reason").asText()).isEqualTo("direct_ws_unavailable");
            assertThat(down.get("detail").asText()).contains("HTTP 503");
        }
    }

    @Test
    void aSlowOmnirtListingFinishesOnItsOwnBudgetAndCarriesOmnirtsReason() {
        try (StubHttpServer omnirt = new StubHttpServer().fallback(Answer.json(200, "{\"models\":[\"flashtalk\",\"musetalk\"],\"statuses\":["
                + "{\"id\":\"flashtalk\",\"connected\":true,\"reason\":\"proxy\"},"
                + "{\"id\":\"musetalk\",\"connected\":true,\"reason\":\"resident_runtime\"},"
                + "{\"id\":\"wav2lip\",\"connected\":false,\"reason\":\"runtime_not_enabled\"}]}"))) {
            omnirt.delayAnswers(Duration.ofSeconds(2));
            try (TestServer s = TestServer.start(Map.of("OPENTALKING_OMNIRT_ENDPOINT", omnirt.url(),
                    "OPENTALKING_PROBE_TIMEOUT_MS", "1000"))) {
                long t0 = System.nanoTime();
                JsonNode first = s.http().get("/models").json();
                long firstMs = (System.nanoTime() - t0) / 1_000_000;
                assertThat(firstMs).as("first /models stays bounded by the probe timeout").isLessThan(1000 + 400);
                assertStatus(first, "flashtalk", "omnirt", false, "omnirt_unavailable");
                assertThat(status(first, "flashtalk").get("detail").asText()).contains("still running");

                JsonNode later = Await.until(Duration.ofSeconds(10), "flashtalk connected once the listing answers",
                        () -> {
                            JsonNode b = s.http().get("/models").json();
                            return status(b, "flashtalk").get("connected").asBoolean() ? b : null;
                        });
                assertStatus(later, "flashtalk", "omnirt", true, "omnirt");
                assertStatus(later, "musetalk", "omnirt", true, "omnirt");
                assertStatus(later, "wav2lip", "omnirt", false, "omnirt_unavailable");
                assertThat(status(later, "flashtalk").get("detail").asText()).endsWith("OmniRT reason: proxy");
                assertThat(status(later, "musetalk").get("detail").asText()).endsWith("OmniRT reason: resident_runtime");
                assertThat(status(later, "wav2lip").get("detail").asText())
                        .endsWith("OmniRT reason: runtime_not_enabled");
                assertThat(omnirt.seen().size()).as("one listing, not one per round or per reader").isEqualTo(1);
            }
        }
    }

    @Test
    void theRefreshPeriodIsBetweenTheStartsOfTwoRounds() {
        try (StubHttpServer omnirt = new StubHttpServer().fallback(Answer.json(200, "{\"models\":[\"flashtalk\"]}"));
             TestServer s = TestServer.start(Map.of("OPENTALKING_OMNIRT_ENDPOINT", omnirt.url(),
                     "OPENTALKING_MODELS_REFRESH_MS", "1000", "OPENTALKING_PROBE_TIMEOUT_MS", "1000"))) {
            long t0 = System.nanoTime();
            Await.untilTrue(Duration.ofSeconds(20), "three listings", () -> omnirt.seen().size() >= 3);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            // Rounds start at 0, 1 and 2 s: a pause of "period minus timeout" would have made these 100 ms apart.
            assertThat(ms).isGreaterThanOrEqualTo(1800);
            assertThat(s.http().get("/models").status()).isEqualTo(200);
        }
    }
}
