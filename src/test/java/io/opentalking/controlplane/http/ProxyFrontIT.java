package io.opentalking.controlplane.http;

import io.opentalking.controlplane.testing.Await;
import io.opentalking.controlplane.testing.FreePorts;
import io.opentalking.controlplane.testing.RawHttp;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The server behind the load balancers people put in front of it, with their defaults: nginx proxies with
 * HTTP/1.0 and no keep-alive ({@code proxy_http_version} defaults to 1.0), HAProxy's {@code option httpchk}
 * checks with {@code OPTIONS / HTTP/1.0}. Debian's nginx and haproxy, on loopback ports.
 */
class ProxyFrontIT {
    private static final String MOCK = "{\"avatar_id\":\"demo-avatar\",\"model\":\"mock\"}";

    @TempDir
    static Path dir;
    private static TestServer server;
    private static Process nginx;
    private static int nginxPort;

    @BeforeAll
    static void start() throws IOException {
        server = TestServer.start(Map.of("OPENTALKING_SSE_LINGER_SEC", "0"));
        nginxPort = FreePorts.free();
        for (String d : List.of("body", "proxy", "fastcgi", "uwsgi", "scgi")) {
            Files.createDirectories(dir.resolve(d));
        }
        Path conf = dir.resolve("nginx.conf");
        // Only what nginx needs to run unprivileged in a temp dir; the proxy settings are nginx's defaults.
        Files.writeString(conf, """
                daemon off;
                master_process off;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log warn;
                events { worker_connections 128; }
                http {
                    access_log off;
                    client_body_temp_path %1$s/body;
                    proxy_temp_path %1$s/proxy;
                    fastcgi_temp_path %1$s/fastcgi;
                    uwsgi_temp_path %1$s/uwsgi;
                    scgi_temp_path %1$s/scgi;
                    server {
                        listen 127.0.0.1:%2$d;
                        location / { proxy_pass http://127.0.0.1:%3$d; }
                    }
                }
                """.formatted(dir, nginxPort, server.port()));
        nginx = new ProcessBuilder("nginx", "-p", dir.toString(), "-c", conf.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile()).start();
        TestHttp through = new TestHttp("http://127.0.0.1:" + nginxPort);
        Await.untilTrue(Duration.ofSeconds(10), "nginx to answer", () -> {
            try {
                return through.get("/healthz").status() == 200;
            } catch (RuntimeException e) {
                return false;
            }
        });
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (nginx != null) {
            nginx.destroy();
            nginx.waitFor(5, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void nginxWithItsDefaultsGets200FromTheFourSeedEndpoints() {
        TestHttp through = new TestHttp("http://127.0.0.1:" + nginxPort);
        for (String path : List.of("/health", "/healthz", "/queue/status", "/models")) {
            TestHttp.Reply r = through.get(path);
            assertThat(r.status()).as(path).isEqualTo(200);
            assertThat(r.header("Content-Type")).isEqualTo("application/json; charset=utf-8");
        }
        assertThat(through.get("/healthz").body()).isEqualTo("{\"status\":\"ok\"}");
    }

    @Test
    void sessionsWorkThroughNginxIncludingTheirEventStream() {
        TestHttp through = new TestHttp("http://127.0.0.1:" + nginxPort);
        TestHttp.Reply created = through.post("/sessions", MOCK);
        assertThat(created.status()).isEqualTo(200);
        String id = created.json().get("session_id").asText();
        try (RawHttp c = RawHttp.connect(nginxPort)) {
            c.send("GET /sessions/" + id + "/events HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Seen head = c.read(Duration.ofSeconds(1));
            assertThat(head.firstStatus()).isEqualTo(200);
            assertThat(head.text()).contains(": stream for session " + id);
            assertThat(through.delete("/sessions/" + id).status()).isEqualTo(200);
            // nginx relays events as they come (the server says X-Accel-Buffering: no), and the end of the stream.
            RawHttp.Seen rest = c.read(Duration.ofSeconds(5));
            assertThat(rest.text()).contains("event: session.closed");
        }
    }

    @Test
    void haproxyHealthChecksWithTheirDefaultsMarkTheServerUp() throws Exception {
        for (String check : List.of("option httpchk", "option httpchk GET /healthz")) {
            int port = FreePorts.free();
            Path cfg = dir.resolve("haproxy-" + port + ".cfg");
            // State changes of the server are logged to stdout, so a check that failed once shows as "is DOWN".
            Files.writeString(cfg, """
                    global
                        log stdout format raw local0
                    defaults
                        log global
                        mode http
                        timeout connect 1s
                        timeout client 5s
                        timeout server 5s
                    frontend f
                        bind 127.0.0.1:%d
                        default_backend b
                    backend b
                        %s
                        server s1 127.0.0.1:%d check inter 200 rise 1 fall 1
                    """.formatted(port, check, server.port()));
            Process haproxy = new ProcessBuilder("haproxy", "-db", "-f", cfg.toString()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("haproxy-" + port + ".out").toFile()).start();
            try {
                TestHttp through = new TestHttp("http://127.0.0.1:" + port);
                // Until the first check passes HAProxy answers 503 itself; a replica that fails its checks stays so.
                Await.untilTrue(Duration.ofSeconds(10), check + " to mark the server up", () -> {
                    try {
                        return through.get("/healthz").status() == 200;
                    } catch (RuntimeException e) {
                        return false;
                    }
                });
                Thread.sleep(600); // three more check intervals: the server must stay up
                assertThat(through.get("/queue/status").status()).as(check).isEqualTo(200);
                assertThat(Files.readString(dir.resolve("haproxy-" + port + ".out"))).doesNotContain("is DOWN");
            } finally {
                haproxy.destroy();
                haproxy.waitFor(5, TimeUnit.SECONDS);
            }
        }
    }
}
