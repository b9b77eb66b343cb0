package io.opentalking.controlplane.store.redis;

import io.opentalking.controlplane.testing.Await;
import io.opentalking.controlplane.testing.PromText;
import io.opentalking.controlplane.testing.RedisServerProcess;
import io.opentalking.controlplane.testing.TestHttp;
import io.opentalking.controlplane.testing.TestServer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A grant no Redis replica acknowledges in time still stands, and is counted in /metrics. */
class UnconfirmedGrantIT {
    private static final String FLASHTALK = "{\"avatar_id\":\"demo-avatar\",\"model\":\"flashtalk\"}";
    private static final String UNCONFIRMED = "opentalking_queue_grants_unconfirmed_total";

    @Test
    void aGrantThatNoReplicaAcknowledgesIsReportedAfterTheWaitAndCounted() {
        try (RedisServerProcess primary = new RedisServerProcess();
             RedisServerProcess replica = RedisServerProcess.replicaOf(primary)) {
            Await.untilTrue(Duration.ofSeconds(10), "the replica to sync",
                    () -> replica.cli("INFO", "replication").contains("master_link_status:up"));
            try (TestServer s = TestServer.start(Map.of("OPENTALKING_REDIS_URL", primary.url(),
                    "OPENTALKING_FLASHTALK_WS_URL", "ws://127.0.0.1:9/x", "OPENTALKING_REDIS_WAIT_MS", "400"))) {
                TestHttp http = s.http();
                TestHttp.Reply first = http.post("/sessions", FLASHTALK);
                assertThat(first.json().get("status").asText()).isEqualTo("created");
                assertThat(unconfirmed(http)).as("the replica acknowledged the first grant").isEqualTo(0.0);
                assertThat(http.delete("/sessions/" + first.json().get("session_id").asText()).status())
                        .isEqualTo(200);

                replica.pause();
                try {
                    long t0 = System.nanoTime();
                    TestHttp.Reply second = http.post("/sessions", FLASHTALK);
                    long tookMs = (System.nanoTime() - t0) / 1_000_000;
                    assertThat(second.status()).isEqualTo(200);
                    assertThat(second.json().get("status").asText()).as("the grant stands").isEqualTo("created");
                    assertThat(tookMs).as("answered after the wait, bounded by it").isBetween(350L, 3_000L);
                    assertThat(unconfirmed(http)).isEqualTo(1.0);
                } finally {
                    replica.resume();
                }
            }
        }
    }

    private static double unconfirmed(TestHttp http) {
        return PromText.parse(http.get("/metrics").body()).value(UNCONFIRMED).orElseThrow();
    }
}
