package io.opentalking.controlplane.ops;

import io.opentalking.controlplane.testing.Await;
import io.opentalking.controlplane.testing.FreePorts;
import io.opentalking.controlplane.testing.PromText;
import io.opentalking.controlplane.testing.StubHttpServer;
import io.opentalking.controlplane.testing.TestHttp;
import io.opentalking.controlplane.testing.TestServer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** GET /metrics scraped after a known sequence of probes, queue steps and requests: the values, not just names. */
class MetricsIT {
    private static final String CONNECTED = "opentalking_model_connected";
    private static final String HTTP_COUNT = "opentalking_http_requests_seconds_count";

    private static PromText scrape(TestHttp http) {
        TestHttp.Reply r = http.get("/metrics");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("text/plain");
        return PromText.parse(r.body());
    }

    private static double value(PromText p, String name, Map<String, String> labels) {
        return p.value(name, labels).orElseThrow(() -> new AssertionError("no sample " + name + labels
                + " in\n" + p.text()));
    }

    @Test
    void probeFailureShowsInModelGaugesAndProbeHistogram() {
        int closed = FreePorts.free();
        try (TestServer s = TestServer.start(Map.of(
                "OPENTALKING_OMNIRT_ENDPOINT", "http://127.0.0.1:" + closed,
                // A refused connection fails at once; the long bound only keeps the mock self-test of a cold,
                // busy JVM inside the first round.
                "OPENTALKING_PROBE_TIMEOUT_MS", "5000",
                // With an OmniRT endpoint set, flashtalk is judged by OmniRT, not by its legacy ws url.
                "OPENTALKING_FLASHTALK_WS_URL", "ws://127.0.0.1:1"))) {
            assertThat(s.http().get("/models").status()).isEqualTo(200);
            PromText p = scrape(s.http());

            assertThat(value(p, CONNECTED, Map.of("model", "musetalk", "backend", "omnirt",
                    "reason", "omnirt_unavailable"))).isEqualTo(0.0);
            assertThat(value(p, CONNECTED, Map.of("model", "flashtalk", "backend", "omnirt",
                    "reason", "omnirt_unavailable"))).isEqualTo(0.0);
            assertThat(value(p, CONNECTED, Map.of("model", "wav2lip", "reason", "omnirt_unavailable"))).isEqualTo(0.0);
            assertThat(value(p, CONNECTED, Map.of("model", "mock", "backend", "mock", "reason", "local_self_test")))
                    .isEqualTo(1.0);
            assertThat(value(p, CONNECTED, Map.of("model", "flashhead", "backend", "direct_ws",
                    "reason", "not_configured"))).isEqualTo(0.0);
            assertThat(value(p, CONNECTED, Map.of("model", "quicktalk", "backend", "local",
                    "reason", "local_adapter_missing"))).isEqualTo(0.0);
            assertThat(p.samples(CONNECTED)).as("one row per model").hasSize(6);

            assertThat(value(p, "opentalking_probe_duration_seconds_count", Map.of("backend", "omnirt",
                    "outcome", "fail"))).isGreaterThan(0);
            assertThat(value(p, "opentalking_probe_duration_seconds_sum", Map.of("backend", "omnirt",
                    "outcome", "fail"))).isGreaterThan(0).isLessThan(5);
            assertThat(p.samples("opentalking_probe_duration_seconds_count", Map.of("backend", "omnirt",
                    "outcome", "ok"))).isEmpty();
            assertThat(value(p, "opentalking_probe_duration_seconds_count", Map.of("backend", "mock",
                    "outcome", "ok"))).isGreaterThan(0);
            assertThat(p.samples("opentalking_probe_duration_seconds_bucket", Map.of("backend", "omnirt",
                    "outcome", "fail", "le", "+Inf"))).singleElement()
                    .satisfies(b -> assertThat(b.value()).isEqualTo(value(p,
                            "opentalking_probe_duration_seconds_count", Map.of("backend", "omnirt", "outcome", "fail"))));

            assertThat(value(p, "opentalking_models_snapshot_age_seconds", Map.of())).isBetween(0.0, 30.0);
            assertThat(value(p, HTTP_COUNT, Map.of("route", "/models", "method", "GET", "status", "200")))
                    .isEqualTo(1.0);
            // The scrape is counted once it is answered, so the next scrape sees the first one.
            PromText second = scrape(s.http());
            assertThat(value(second, HTTP_COUNT, Map.of("route", "/metrics", "method", "GET", "status", "200")))
                    .isEqualTo(1.0);
        }
    }

    @Test
    void grantTimeoutAndFullQueueAreCountedOnce() throws Exception {
        try (TestServer s = TestServer.start(Map.of(
                "OPENTALKING_FLASHTALK_WS_URL", "ws://127.0.0.1:1",
                "OPENTALKING_FLASHTALK_SLOT_TIMEOUT_SEC", "1",
                "OPENTALKING_FLASHTALK_MAX_QUEUE_SIZE", "1",
                "OPENTALKING_QUEUE_SWEEP_MS", "100"))) {
            TestHttp http = s.http();
            String body = "{\"avatar_id\":\"demo-avatar\",\"model\":\"flashtalk\"}";

            TestHttp.Reply a = http.post("/sessions", body);
            assertThat(a.status()).as(a.body()).isEqualTo(200);
            assertThat(a.json().get("status").asText()).isEqualTo("created");
            TestHttp.Reply b = http.post("/sessions", body);
            assertThat(b.json().get("status").asText()).isEqualTo("queued");
            String bId = b.json().get("session_id").asText();

            // B waits longer than the 1 s slot timeout; the 100 ms sweep drops it.
            String state = Await.until(Duration.ofSeconds(6), "B to leave the queue", () -> {
                String st = http.get("/sessions/" + bId).json().get("state").asText();
                return st.equals("queued") ? null : st;
            });
            assertThat(state).isEqualTo("error");
            assertThat(http.get("/sessions/" + bId).json().get("reason").asText()).isEqualTo("timeout");

            // C waits (the queue holds one), D is refused, C leaves again before it could time out.
            TestHttp.Reply c = http.post("/sessions", body);
            assertThat(c.json().get("status").asText()).isEqualTo("queued");
            TestHttp.Reply d = http.post("/sessions", body);
            assertThat(d.status()).isEqualTo(503);
            assertThat(d.header("Retry-After")).isEqualTo("5");
            assertThat(http.delete("/sessions/" + c.json().get("session_id").asText()).status()).isEqualTo(200);

            assertThat(http.get("/no/such/route").status()).isEqualTo(404);
            assertThat(http.method("PUT", "/models").status()).isEqualTo(405);
            assertThat(http.method("M00000001X", "/nope").status()).isEqualTo(404);

            PromText p = scrape(http);
            assertThat(value(p, "opentalking_queue_grants_total", Map.of())).isEqualTo(1.0);
            assertThat(value(p, "opentalking_queue_timeouts_total", Map.of())).isEqualTo(1.0);
            assertThat(value(p, "opentalking_queue_full_total", Map.of())).isEqualTo(1.0);
            assertThat(value(p, "opentalking_queue_lease_losses_total", Map.of())).isEqualTo(0.0);
            assertThat(value(p, "opentalking_queue_hold_expirations_total", Map.of())).isEqualTo(0.0);
            assertThat(value(p, "opentalking_queue_slot_occupied", Map.of())).isEqualTo(1.0);
            assertThat(value(p, "opentalking_queue_waiting", Map.of())).isEqualTo(0.0);
            assertThat(value(p, "opentalking_queue_slots_configured", Map.of())).isEqualTo(1.0);
            assertThat(value(p, "opentalking_store_errors_total", Map.of("op", "queue"))).isEqualTo(0.0);
            assertThat(value(p, "opentalking_store_errors_total", Map.of("op", "queue_status_read"))).isEqualTo(0.0);
            assertThat(value(p, CONNECTED, Map.of("model", "flashtalk", "reason", "legacy_ws"))).isEqualTo(1.0);

            assertThat(value(p, HTTP_COUNT, Map.of("route", "/sessions", "method", "POST", "status", "200")))
                    .isEqualTo(3.0);
            assertThat(value(p, HTTP_COUNT, Map.of("route", "/sessions", "method", "POST", "status", "503")))
                    .isEqualTo(1.0);
            assertThat(value(p, HTTP_COUNT, Map.of("route", "/sessions/{id}", "method", "DELETE", "status", "200")))
                    .isEqualTo(1.0);
            assertThat(value(p, HTTP_COUNT, Map.of("route", "/sessions/{id}", "method", "GET", "status", "200")))
                    .isGreaterThanOrEqualTo(2.0);
            assertThat(value(p, HTTP_COUNT, Map.of("route", "unmatched", "method", "GET", "status", "404")))
                    .isEqualTo(1.0);
            // Methods no route takes are one label value, whatever the client sent.
            assertThat(value(p, HTTP_COUNT, Map.of("route", "unmatched", "method", "other", "status", "405")))
                    .isEqualTo(1.0);
            assertThat(value(p, HTTP_COUNT, Map.of("route", "unmatched", "method", "other", "status", "404")))
                    .isEqualTo(1.0);
            assertThat(p.samples(HTTP_COUNT)).allSatisfy(x -> assertThat(x.labels().get("method"))
                    .isIn("GET", "POST", "DELETE", "OPTIONS", "HEAD", "other"));
            assertThat(p.samples(HTTP_COUNT)).allSatisfy(x -> assertThat(x.labels().get("route")).isNotBlank()
                    .doesNotContain(bId));
            assertThat(value(p, "opentalking_http_requests_seconds_sum", Map.of("route", "/sessions", "method", "POST",
                    "status", "200"))).isGreaterThan(0).isLessThan(30);
        }
    }

    @Test
    void modelGaugeFollowsTheSnapshotWhenABackendGoesAway() throws Exception {
        StubHttpServer omnirt = new StubHttpServer().answer("/v1/audio2video/models",
                StubHttpServer.Answer.json(200, "{\"models\":[\"flashtalk\"]}"));
        try (TestServer s = TestServer.start(Map.of(
                "OPENTALKING_OMNIRT_ENDPOINT", omnirt.url(),
                "OPENTALKING_MODELS_REFRESH_MS", "500",
                "OPENTALKING_PROBE_TIMEOUT_MS", "500"))) {
            PromText before = scrape(s.http());
            assertThat(value(before, CONNECTED, Map.of("model", "flashtalk"))).isEqualTo(1.0);
            assertThat(value(before, CONNECTED, Map.of("model", "flashtalk", "reason", "omnirt"))).isEqualTo(1.0);
            assertThat(value(before, "opentalking_probe_duration_seconds_count", Map.of("backend", "omnirt",
                    "outcome", "ok"))).isGreaterThan(0);

            omnirt.close();
            // The gauge can drop while a listing still runs (rounds read a listing still pending as a failure; the
            // listing itself is counted once it ends, within its own budget), so wait for both.
            PromText after = Await.until(Duration.ofSeconds(10), "flashtalk's gauge to drop to 0 and a failed probe",
                    () -> {
                        PromText p = scrape(s.http());
                        return p.value(CONNECTED, Map.of("model", "flashtalk")).orElse(1) == 0
                                && p.value("opentalking_probe_duration_seconds_count", Map.of("backend", "omnirt",
                                "outcome", "fail")).orElse(0) > 0 ? p : null;
                    });
            // The old row (reason omnirt) is gone, not left behind at its last value.
            assertThat(value(after, CONNECTED, Map.of("model", "flashtalk"))).isEqualTo(0.0);
            assertThat(value(after, CONNECTED, Map.of("model", "flashtalk", "reason", "omnirt_unavailable")))
                    .isEqualTo(0.0);
            assertThat(after.samples(CONNECTED)).hasSize(6);
            assertThat(value(after, "opentalking_probe_duration_seconds_count", Map.of("backend", "omnirt",
                    "outcome", "fail"))).isGreaterThan(0);
            assertThat(value(after, "opentalking_models_snapshot_age_seconds", Map.of())).isCloseTo(0.5, within(2.0));
        } finally {
            omnirt.close();
        }
    }

    @Test
    void storeFailuresAreCounted() {
        int closed = FreePorts.free();
        try (TestServer s = TestServer.start(Map.of(
                "OPENTALKING_REDIS_URL", "redis://127.0.0.1:" + closed + "/0",
                "OPENTALKING_FLASHTALK_WS_URL", "ws://127.0.0.1:1"))) {
            TestHttp.Reply q = s.http().get("/queue/status");
            assertThat(q.status()).isEqualTo(200);
            assertThat(q.header("X-Queue-Status-Source")).isEqualTo("unavailable");
            assertThat(s.http().get("/status.json").json().get("queue").get("source").asText()).isEqualTo("unavailable");
            TestHttp.Reply create = s.http().post("/sessions", "{\"avatar_id\":\"demo-avatar\",\"model\":\"flashtalk\"}");
            assertThat(create.status()).isEqualTo(503);
            PromText p = scrape(s.http());
            // /queue/status and /status.json each failed once; the scrape's own gauge read fails too, but the
            // counter may be written out before the gauge is read, so that one shows in the next scrape.
            double errors = value(p, "opentalking_store_errors_total", Map.of("op", "queue_status_read"));
            assertThat(errors).isBetween(2.0, 3.0);
            assertThat(value(scrape(s.http()), "opentalking_store_errors_total", Map.of("op", "queue_status_read")))
                    .isGreaterThan(errors - 0.5).isGreaterThanOrEqualTo(3.0);
            assertThat(value(p, HTTP_COUNT, Map.of("route", "/sessions", "method", "POST", "status", "503")))
                    .isEqualTo(1.0);
        }
    }
}
