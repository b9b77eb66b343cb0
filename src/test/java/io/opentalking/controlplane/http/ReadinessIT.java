package io.opentalking.controlplane.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentalking.controlplane.readiness.Readiness;
import io.opentalking.controlplane.testing.Await;
import io.opentalking.controlplane.testing.FreePorts;
import io.opentalking.controlplane.testing.StubHttpServer;
import io.opentalking.controlplane.testing.StubHttpServer.Answer;
import io.opentalking.controlplane.testing.TestHttp;
import io.opentalking.controlplane.testing.TestServer;
import org.junit.jupiter.api.Test;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code GET /readyz} over real sockets: before the first round, after it, with the store down, while draining. */
class ReadinessIT {
    private static final Duration WAIT = Duration.ofSeconds(15);

    private static TestHttp.Reply readyz(TestServer s) {
        return s.http().get("/readyz");
    }

    private static TestHttp.Reply awaitReady(TestServer s) {
        return Await.until(WAIT, "/readyz 200", () -> {
            TestHttp.Reply r = readyz(s);
            return r.status() == 200 ? r : null;
        });
    }

    @Test
    void notReadyUntilTheFirstProbeRoundHasFinishedThenReady() {
        // The listing answers after the probe timeout, so the first round lasts the whole timeout.
        try (StubHttpServer omnirt = new StubHttpServer().delayAnswers(Duration.ofSeconds(4))
                .answer("/v1/audio2video/models", Answer.json(200, "{\"models\":[]}"));
             TestServer s = TestServer.start(Map.of("OPENTALKING_OMNIRT_ENDPOINT", omnirt.url(),
                     "OPENTALKING_PROBE_TIMEOUT_MS", "2000"))) {
            TestHttp.Reply before = readyz(s);
            assertThat(before.status()).isEqualTo(503);
            assertThat(before.json().get("status").asText()).isEqualTo("not_ready");
            assertThat(before.json().get("reasons").toString()).contains("the first probe round has not finished");
            assertThat(before.header("Cache-Control")).isEqualTo("no-store");
            assertThat(s.http().get("/healthz").body()).as("liveness is not readiness").isEqualTo("{\"status\":\"ok\"}");

            TestHttp.Reply after = awaitReady(s);
            assertThat(after.body()).isEqualTo("{\"status\":\"ready\"}");
        }
    }

    @Test
    void anUnreachableStoreMakesTheReplicaUnreadyOnlyWhenTheSettingSaysSo() {
        String deadRedis = "redis://127.0.0.1:" + FreePorts.free() + "/0";
        try (TestServer lenient = TestServer.start(Map.of("OPENTALKING_REDIS_URL", deadRedis))) {
            awaitReady(lenient);
        }
        try (TestServer strict = TestServer.start(Map.of("OPENTALKING_REDIS_URL", deadRedis,
                "OPENTALKING_READY_REQUIRES_STORE", "1"))) {
            strict.controlPlane().availability().current();
            TestHttp.Reply r = readyz(strict);
            assertThat(r.status()).isEqualTo(503);
            JsonNode reasons = r.json().get("reasons");
            assertThat(reasons).hasSize(1);
            assertThat(reasons.get(0).asText()).startsWith("store unreachable: ").doesNotContain("first probe round");
        }
    }

    @Test
    void whileDrainingReadyzIs503AndEverythingElseIsServedThenThePortCloses() throws Exception {
        long drainMs = 2000;
        TestServer s = TestServer.start(Map.of("OPENTALKING_DRAIN_MS", Long.toString(drainMs)));
        try {
            awaitReady(s);
            long t0 = System.nanoTime();
            CompletableFuture<Void> stopped = CompletableFuture.runAsync(s::close);
            TestHttp.Reply draining = Await.until(WAIT, "/readyz 503", () -> {
                TestHttp.Reply r = readyz(s);
                return r.status() == 503 ? r : null;
            });
            assertThat(draining.json().get("reasons").get(0).asText()).isEqualTo(Readiness.DRAINING);

            // One client, one kept-alive connection, for most of the drain: answers, and readiness stays 503.
            int answered = 0;
            while ((System.nanoTime() - t0) / 1_000_000 < drainMs - 500) {
                assertThat(s.http().get("/models").status()).isEqualTo(200);
                assertThat(readyz(s).status()).isEqualTo(503);
                answered++;
            }
            assertThat(answered).isPositive();
            assertThat(stopped).as("the shutdown waits out the drain").isNotDone();

            stopped.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat((System.nanoTime() - t0) / 1_000_000).as("ms until the shutdown ended")
                    .isGreaterThanOrEqualTo(drainMs);
            Await.until(WAIT, "the port to close", () -> {
                try {
                    s.http().get("/healthz");
                    return null;
                } catch (UncheckedIOException e) {
                    return e;
                }
            });
        } finally {
            s.close();
        }
    }
}
