package io.opentalking.controlplane.ops;

import io.opentalking.controlplane.testing.Await;
import io.opentalking.controlplane.testing.FreePorts;
import io.opentalking.controlplane.testing.RedisServerProcess;
import io.opentalking.controlplane.testing.TestHttp;
import io.opentalking.controlplane.testing.TestServer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Graceful shutdown with two real server processes sharing one Redis: SIGTERM to the replica whose session holds
 * the GPU slot first drains (readiness 503, everything else served), then gives the slot back, so the session
 * waiting on the other replica gets it within a second of the drain's end.
 */
class ShutdownIT {
    private static final String FLASHTALK = "{\"avatar_id\":\"demo-avatar\",\"model\":\"flashtalk\"}";
    private static final Duration GRACE = Duration.ofSeconds(5);
    private static final Duration DRAIN = Duration.ofMillis(1500);

    /** One server process: {@code java -cp <test classpath> io.opentalking.controlplane.Main}. */
    private static final class Replica implements AutoCloseable {
        final Process process;
        final TestHttp http;
        final Path log;

        Replica(String name, RedisServerProcess redis) throws IOException {
            int port = FreePorts.free();
            Path dir = Files.createTempDirectory("replica-" + name + "-");
            log = dir.resolve("server.log");
            ProcessBuilder pb = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
                    "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                    "io.opentalking.controlplane.Main")
                    .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().clear();
            pb.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
            pb.environment().put("HOME", dir.toString());
            pb.environment().put("OPENTALKING_API_PORT", Integer.toString(port));
            pb.environment().put("OPENTALKING_REDIS_URL", redis.url());
            pb.environment().put("OPENTALKING_FLASHTALK_WS_URL", "ws://127.0.0.1:1");
            pb.environment().put("OPENTALKING_AVATARS_DIR", TestServer.REPO.resolve("examples/avatars").toString());
            pb.environment().put("OPENTALKING_MODEL_ROOT", dir.resolve("models").toString());
            pb.environment().put("OPENTALKING_SHUTDOWN_GRACE_MS", Long.toString(GRACE.toMillis()));
            pb.environment().put("OPENTALKING_DRAIN_MS", Long.toString(DRAIN.toMillis()));
            process = pb.start();
            http = new TestHttp("http://127.0.0.1:" + port);
        }

        /** Up, and its queue reads come from Redis (the store is connected). */
        void awaitReady() {
            // An UncheckedIOException means "not listening yet".
            Await.until(Duration.ofSeconds(60), () -> "server ready; log:\n" + logText(), UncheckedIOException.class,
                    () -> {
                        assertThat(process.isAlive()).as("server process alive; log:\n" + logText()).isTrue();
                        TestHttp.Reply q = http.get("/queue/status");
                        return q.status() == 200 && "redis".equals(q.header("X-Queue-Status-Source")) ? q : null;
                    });
        }

        String logText() {
            try {
                return Files.readString(log);
            } catch (IOException e) {
                return "(no log: " + e + ")";
            }
        }

        @Override
        public void close() {
            if (process.isAlive()) {
                process.destroyForcibly();
            }
        }
    }

    private static String state(TestHttp http, String id) {
        return http.get("/sessions/" + id).json().get("state").asText();
    }

    @Test
    void sigtermGivesTheSlotToTheSessionWaitingOnTheOtherReplica() throws Exception {
        try (RedisServerProcess redis = new RedisServerProcess();
             Replica one = new Replica("one", redis);
             Replica two = new Replica("two", redis)) {
            one.awaitReady();
            two.awaitReady();

            TestHttp.Reply a = one.http.post("/sessions", FLASHTALK);
            assertThat(a.status()).as(a.body()).isEqualTo(200);
            assertThat(a.json().get("status").asText()).isEqualTo("created");
            String aId = a.json().get("session_id").asText();
            TestHttp.Reply b = two.http.post("/sessions", FLASHTALK);
            assertThat(b.json().get("status").asText()).isEqualTo("queued");
            String bId = b.json().get("session_id").asText();
            assertThat(two.http.get("/sessions/" + bId).json().get("queue_position").asInt()).isEqualTo(1);
            TestHttp.Reply status = two.http.get("/queue/status");
            assertThat(status.json().get("slot_occupied").asBoolean()).isTrue();
            assertThat(status.json().get("queue_size").asInt()).isEqualTo(1);

            // A client watching A's events on replica one: an open stream must not hold the shutdown up.
            CompletableFuture<HttpResponse<Stream<String>>> stream = one.http.client().sendAsync(
                    HttpRequest.newBuilder(URI.create(one.http.base() + "/sessions/" + aId + "/events")).GET().build(),
                    HttpResponse.BodyHandlers.ofLines());
            assertThat(stream.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            // Read it on a thread of its own: thenApply on a completed future would read it right here.
            CompletableFuture<List<String>> lines = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    lines.complete(stream.join().body().toList());
                } catch (RuntimeException e) {
                    lines.completeExceptionally(e);
                }
            });

            Instant sent = Instant.now();
            one.process.destroy(); // SIGTERM
            // The drain: readiness fails at once, the replica still answers, and A still holds the slot. A client
            // of its own, as a load balancer is: its idle connection is cut when the shutdown starts.
            TestHttp balancer = new TestHttp(one.http.base());
            Await.untilTrue(Duration.ofSeconds(2), "replica one's /readyz to answer 503",
                    () -> balancer.get("/readyz").status() == 503);
            assertThat(balancer.get("/models").status()).isEqualTo(200);
            assertThat(state(two.http, bId)).as("B waits while A's replica drains").isEqualTo("queued");
            String bState = Await.until(DRAIN.plusSeconds(5), () -> "B to leave the queue; replica one's log:\n"
                    + one.logText(), null, () -> {
                        String st = state(two.http, bId);
                        return st.equals("queued") ? null : st;
                    });
            Duration took = Duration.between(sent, Instant.now());
            assertThat(bState).as("B after SIGTERM to the holder's replica; its log:\n" + one.logText())
                    .isEqualTo("created");
            assertThat(took).as("time from SIGTERM until B holds the slot").isBetween(DRAIN, DRAIN.plusSeconds(1));

            assertThat(one.process.waitFor(DRAIN.plus(GRACE).toSeconds() + 5, TimeUnit.SECONDS))
                    .as("replica one exits within the drain and the grace period").isTrue();
            // The JVM reports death by SIGTERM as 143 even after a clean shutdown hook.
            assertThat(one.process.exitValue()).as(one.logText()).isIn(0, 143);
            assertThat(Duration.between(sent, Instant.now())).isLessThan(DRAIN.plus(GRACE).plusSeconds(5));
            assertThat(one.logText()).as("each phase logged once").containsOnlyOnce("draining: /readyz answers 503")
                    .containsOnlyOnce("shutting down: no new connections").containsOnlyOnce("stopped in");
            assertThat(lines.get(10, TimeUnit.SECONDS)).as("A's event stream ended with the shutdown").isNotNull();

            // A was given back, not left holding a slot; B holds it now and nobody waits.
            assertThat(state(two.http, aId)).isEqualTo("closed");
            TestHttp.Reply after = two.http.get("/queue/status");
            assertThat(after.json().get("slot_occupied").asBoolean()).isTrue();
            assertThat(after.json().get("queue_size").asInt()).isZero();
            assertThat(two.http.post("/sessions/" + bId + "/start", "").json().get("status").asText())
                    .isEqualTo("running");
            assertThat(one.logText()).doesNotContain("Exception");
        }
    }
}
