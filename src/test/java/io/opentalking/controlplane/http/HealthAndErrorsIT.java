package io.opentalking.controlplane.http;

import io.opentalking.controlplane.testing.TestHttp;
import io.opentalking.controlplane.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The seed's liveness endpoints, the queue status from the memory store, and the JSON error contract. */
class HealthAndErrorsIT {
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void healthAndHealthzAreIdentical() {
        for (String p : new String[]{"/health", "/healthz"}) {
            TestHttp.Reply r = server.http().get(p);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("{\"status\":\"ok\"}");
            assertThat(r.header("Content-Type")).isEqualTo("application/json; charset=utf-8");
        }
    }

    @Test
    void queueStatusFromTheEmbeddedStore() {
        TestHttp.Reply r = server.http().get("/queue/status");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"slot_occupied\":false,\"queue_size\":0}");
        assertThat(r.header("X-Queue-Status-Source")).isEqualTo("memory");
    }

    @Test
    void unknownPathIs404Json() {
        TestHttp.Reply r = server.http().get("/nope/deeper");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.body()).isEqualTo("{\"detail\":\"Not Found\"}");
        assertThat(r.header("Content-Type")).isEqualTo("application/json; charset=utf-8");
    }

    @Test
    void wrongMethodIs405JsonWithAllow() {
        for (String[] c : new String[][]{{"POST", "/health"}, {"DELETE", "/models"}, {"PUT", "/queue/status"},
                {"HEAD", "/healthz"}, {"GET", "/sessions"}, {"PATCH", "/sessions/abc"}}) {
            TestHttp.Reply r = server.http().method(c[0], c[1]);
            assertThat(r.status()).as(c[0] + " " + c[1]).isEqualTo(405);
            if (!c[0].equals("HEAD")) {
                assertThat(r.body()).isEqualTo("{\"detail\":\"Method Not Allowed\"}");
            }
            assertThat(r.header("Allow")).isNotBlank();
        }
    }

    @Test
    void garbageNeverLeaksAStackTrace() throws Exception {
        TestHttp.Reply r = server.http().post("/sessions", "{\"avatar_id\": [");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).doesNotContain("Exception").doesNotContain("at io.").doesNotContain("jackson");
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write("GARBAGE \u0001\u0002 HTTP/9.9\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            String answer = new String(in.readNBytes(2000), StandardCharsets.ISO_8859_1);
            assertThat(answer).startsWith("HTTP/1.1 4").doesNotContain("Exception").doesNotContain("at io.");
        }
        assertThat(server.http().get("/healthz").status()).isEqualTo(200);
    }
}
