package io.opentalking.controlplane.config;

import io.opentalking.controlplane.testing.Await;
import io.opentalking.controlplane.testing.FreePorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The real process: refuses invalid configuration with exit code 2 and the key; starts fast otherwise. */
class StartupRefusalIT {
    @TempDir
    Path tmp;

    private ProcessBuilder server(Map<String, String> env) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                "io.opentalking.controlplane.Main")).directory(tmp.toFile()).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        pb.environment().putAll(env);
        return pb;
    }

    private record Exit(int code, String output) {
    }

    private Exit run(Map<String, String> env) throws IOException, InterruptedException {
        Process p = server(env).start();
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("process exits").isTrue();
        return new Exit(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    @Test
    void eachKindOfInvalidValueExitsWith2AndNamesTheKey() throws Exception {
        Path listYaml = tmp.resolve("list.yaml");
        Files.writeString(listYaml, "- just\n- a list\n");
        Map<Map<String, String>, String> cases = Map.of(
                Map.of("OPENTALKING_MUSETALK_BACKEND", "cuda"), "OPENTALKING_MUSETALK_BACKEND",
                Map.of("OPENTALKING_FLASHTALK_MAX_QUEUE_SIZE", "-2"), "OPENTALKING_FLASHTALK_MAX_QUEUE_SIZE",
                Map.of("OPENTALKING_OMNIRT_ENDPOINT", "ftp://omnirt"), "OPENTALKING_OMNIRT_ENDPOINT",
                Map.of("OPENTALKING_CONFIG_FILE", listYaml.toString()), "root must be a mapping");
        for (Map.Entry<Map<String, String>, String> c : cases.entrySet()) {
            Exit e = run(c.getKey());
            assertThat(e.code()).as(c.getKey() + ": " + e.output()).isEqualTo(2);
            assertThat(e.output()).contains("configuration error").contains(c.getValue());
            assertThat(e.output()).doesNotContain("Exception").doesNotContain("\tat ");
        }
    }

    private static int status(HttpClient c, HttpRequest r) {
        try {
            return c.send(r, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void startsAndAnswersHealthzQuickly() throws Exception {
        int port = FreePorts.free();
        long t0 = System.nanoTime();
        Process p = server(Map.of("OPENTALKING_API_PORT", Integer.toString(port))).start();
        try {
            HttpClient c = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(200)).build();
            HttpRequest healthz = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz"))
                    .timeout(Duration.ofMillis(500)).build();
            // An UncheckedIOException means "not listening yet".
            Await.until(Duration.ofSeconds(15), () -> "a 200 on /healthz", UncheckedIOException.class,
                    () -> status(c, healthz) == 200 ? Boolean.TRUE : null);
            long firstOk = (System.nanoTime() - t0) / 1_000_000;
            assertThat(firstOk).as("ms to first 200 on /healthz").isBetween(0L, 5000L);
            System.out.printf("[figure] process start to first 200 on /healthz: %d ms%n", firstOk);
        } finally {
            p.destroy();
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).as("exits on SIGTERM").isTrue();
        }
    }

    @Test
    void aPortInUseOrAnUnbindableAddressExitsWith3InOneLine() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Exit inUse = run(Map.of("OPENTALKING_API_PORT", Integer.toString(taken.getLocalPort())));
            assertThat(inUse.code()).as(inUse.output()).isEqualTo(3);
            assertThat(inUse.output()).contains("start-up failed: cannot listen on 127.0.0.1:" + taken.getLocalPort())
                    .containsIgnoringCase("address already in use")
                    .doesNotContain("listening on").doesNotContain("\tat ");
        }
        // 192.0.2.1 (TEST-NET-1) is never an address of this machine, so it cannot be bound.
        Exit foreign = run(Map.of("OPENTALKING_API_HOST", "192.0.2.1", "OPENTALKING_API_PORT", "0"));
        assertThat(foreign.code()).as(foreign.output()).isEqualTo(3);
        assertThat(foreign.output()).contains("cannot listen on 192.0.2.1:0").doesNotContain("\tat ");
    }

    @Test
    void sigtermCutsAHalfSentRequestAtOnce() throws Exception {
        int port = FreePorts.free();
        // No drain: this is about the shutdown phase that follows it (ShutdownIT covers the drain).
        Process p = server(Map.of("OPENTALKING_API_PORT", Integer.toString(port),
                "OPENTALKING_SHUTDOWN_GRACE_MS", "10000", "OPENTALKING_DRAIN_MS", "0")).start();
        try {
            HttpClient c = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(200)).build();
            io.opentalking.controlplane.testing.Await.untilTrue(Duration.ofSeconds(15), "server up", () -> {
                try {
                    return c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz"))
                            .timeout(Duration.ofMillis(500)).build(), HttpResponse.BodyHandlers.ofString())
                            .statusCode() == 200;
                } catch (IOException e) {
                    return false;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            });
            try (io.opentalking.controlplane.testing.RawHttp headers = io.opentalking.controlplane.testing.RawHttp.connect(port);
                 io.opentalking.controlplane.testing.RawHttp body = io.opentalking.controlplane.testing.RawHttp.connect(port)) {
                headers.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Half: ");
                body.send("POST /sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 100\r\n\r\n{\"avatar_id\"");
                Thread.sleep(300); // both requests are being read when the signal comes
                long t0 = System.nanoTime();
                p.destroy();
                assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertThat(ms).as("exit after SIGTERM with two half-sent requests (grace 10 s)").isLessThan(3000);
                assertThat(headers.read(Duration.ofSeconds(1)).closedByServer()).isTrue();
                assertThat(body.read(Duration.ofSeconds(1)).closedByServer()).isTrue();
            }
        } finally {
            p.destroyForcibly();
        }
    }
}
