package io.opentalking.controlplane.http;

import io.opentalking.controlplane.testing.RawHttp;
import io.opentalking.controlplane.testing.SseClient;
import io.opentalking.controlplane.testing.TestHttp;
import io.opentalking.controlplane.testing.TestServer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The protections of CONTRACT §7, seen from clients on real sockets (several loopback addresses). */
class ProtectionIT {
    private static final String MOCK = "{\"avatar_id\":\"demo-avatar\",\"model\":\"mock\"}";

    @Test
    void connectionsOverThePerClientCapAreClosedAtOnceAndOtherClientsAreServed() {
        try (TestServer s = TestServer.start(Map.of("OPENTALKING_MAX_CONNECTIONS_PER_CLIENT", "5"))) {
            List<RawHttp> held = new ArrayList<>();
            try {
                for (int i = 0; i < 5; i++) {
                    held.add(RawHttp.connect("127.0.0.2", s.port()));
                }
                // Each of the five answers a request, so all are accepted and counted before the sixth comes (a
                // sixth accepted first would be served and one of the five closed instead).
                for (RawHttp h : held) {
                    assertThat(h.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").read(Duration.ofMillis(1000))
                            .firstStatus()).isEqualTo(200);
                }
                try (RawHttp sixth = RawHttp.connect("127.0.0.2", s.port())) {
                    RawHttp.Seen seen = sixth.read(Duration.ofSeconds(3));
                    assertThat(seen.closedByServer()).isTrue();
                    assertThat(seen.text()).isEmpty();
                    assertThat(seen.took()).isLessThan(Duration.ofSeconds(1));
                }
                try (RawHttp other = RawHttp.connect("127.0.0.3", s.port())) {
                    RawHttp.Seen seen = other.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                            .read(Duration.ofSeconds(3));
                    assertThat(seen.firstStatus()).isEqualTo(200);
                }
            } finally {
                held.forEach(RawHttp::close);
            }
        }
    }

    @Test
    void connectionsOverTheTotalCapAreClosed() {
        try (TestServer s = TestServer.start(Map.of("OPENTALKING_MAX_CONNECTIONS", "4",
                "OPENTALKING_MAX_CONNECTIONS_PER_CLIENT", "4"))) {
            List<RawHttp> held = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    held.add(RawHttp.connect("127.0.0." + (2 + i), s.port()));
                }
                // Each held connection answers a request, so all four are open and counted before the fifth comes.
                for (RawHttp h : held) {
                    assertThat(h.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").read(Duration.ofMillis(500))
                            .firstStatus()).isEqualTo(200);
                }
                RawHttp.Seen seen;
                try (RawHttp fifth = RawHttp.connect("127.0.0.9", s.port())) {
                    seen = fifth.read(Duration.ofSeconds(2));
                }
                assertThat(seen.closedByServer()).isTrue();
            } finally {
                held.forEach(RawHttp::close);
            }
        }
    }

    @Test
    void slowHeadersAndSilentConnectionsAreClosedAfterTheHeaderTimeout() throws InterruptedException {
        try (TestServer s = TestServer.start(Map.of("OPENTALKING_HEADER_TIMEOUT_MS", "600"));
             RawHttp silent = RawHttp.connect(s.port());
             RawHttp slow = RawHttp.connect(s.port())) {
            long t0 = System.nanoTime();
            String request = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: " + "p".repeat(40) + "\r\n\r\n";
            boolean cut = false;
            for (char ch : request.toCharArray()) {
                if (!slow.trySend(String.valueOf(ch))) {
                    cut = true;
                    break;
                }
                Thread.sleep(50);
            }
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            assertThat(cut).as("a request sent one byte per 50 ms is cut").isTrue();
            assertThat(took).isBetween(Duration.ofMillis(500), Duration.ofMillis(2500));
            RawHttp.Seen quiet = silent.read(Duration.ofSeconds(3));
            assertThat(quiet.closedByServer()).isTrue();
            assertThat(s.http().get("/healthz").status()).isEqualTo(200);
        }
    }

    @Test
    void anIdleKeepAliveConnectionIsClosedAfterTheIdleTimeout() {
        try (TestServer s = TestServer.start(Map.of("OPENTALKING_IDLE_TIMEOUT_MS", "700"));
             RawHttp c = RawHttp.connect(s.port())) {
            RawHttp.Seen seen = c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").read(Duration.ofSeconds(4));
            assertThat(seen.statusLines()).isEqualTo(1);
            assertThat(seen.closedByServer()).isTrue();
            assertThat(seen.took()).isBetween(Duration.ofMillis(500), Duration.ofMillis(3000));
        }
    }

    @Test
    void unreadBodiesGetExactlyOneResponseAndConnectionCloseClosesTheSocket() {
        try (TestServer s = TestServer.start(Map.of())) {
            String id = s.http().post("/sessions", MOCK).json().get("session_id").asText();
            s.http().delete("/sessions/" + id);
            for (int size : new int[]{0, 5_000, 100_000}) {
                for (String target : List.of("POST /nope", "DELETE /models", "POST /sessions/" + id + "/start")) {
                    String body = "x".repeat(size);
                    try (RawHttp c = RawHttp.connect(s.port())) {
                        RawHttp.Seen seen = c.send(target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                + "Content-Type: application/json\r\nContent-Length: " + size + "\r\n\r\n" + body)
                                .read(Duration.ofSeconds(3));
                        assertThat(seen.statusLines()).as(target + " with " + size + " bytes").isEqualTo(1);
                        assertThat(seen.firstStatus()).isIn(404, 405, 409, 413);
                        assertThat(seen.closedByServer()).isTrue();
                        assertThat(seen.took()).isLessThan(Duration.ofSeconds(1));
                    }
                }
            }
        }
    }

    @Test
    void pipelinedRequestsGetOneResponseEach() {
        try (TestServer s = TestServer.start(Map.of()); RawHttp c = RawHttp.connect(s.port())) {
            RawHttp.Seen seen = c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /queue/status HTTP/1.1\r\n"
                    + "Host: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .read(Duration.ofSeconds(3));
            assertThat(seen.statusLines()).isEqualTo(3);
            assertThat(seen.closedByServer()).isTrue();
        }
    }

    @Test
    void http10RequestsAreAnsweredOnTheSeedEndpoints() {
        try (TestServer s = TestServer.start(Map.of())) {
            for (String path : List.of("/health", "/healthz", "/queue/status", "/models")) {
                try (RawHttp c = RawHttp.connect(s.port())) {
                    RawHttp.Seen seen = c.send("GET " + path + " HTTP/1.0\r\n\r\n").read(Duration.ofSeconds(3));
                    assertThat(seen.firstStatus()).as(path).isEqualTo(200);
                    assertThat(seen.head().toLowerCase()).doesNotContain("transfer-encoding").contains("content-length");
                    assertThat(seen.closedByServer()).as("HTTP/1.0 without keep-alive closes").isTrue();
                }
            }
            try (RawHttp c = RawHttp.connect(s.port())) {
                RawHttp.Seen seen = c.send("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
                        .read(Duration.ofMillis(700));
                assertThat(seen.firstStatus()).isEqualTo(200);
                assertThat(seen.closedByServer()).as("keep-alive was asked for").isFalse();
                assertThat(c.send("GET /health HTTP/1.0\r\n\r\n").read(Duration.ofSeconds(3)).firstStatus())
                        .isEqualTo(200);
            }
        }
    }

    @Test
    void anHttp10EventStreamIsNotChunkedAndEndsByClosing() {
        try (TestServer s = TestServer.start(Map.of("OPENTALKING_SSE_LINGER_SEC", "0"))) {
            String id = s.http().post("/sessions", MOCK).json().get("session_id").asText();
            try (RawHttp c = RawHttp.connect(s.port())) {
                c.send("GET /sessions/" + id + "/events HTTP/1.0\r\n\r\n");
                RawHttp.Seen first = c.read(Duration.ofMillis(500));
                assertThat(first.firstStatus()).isEqualTo(200);
                assertThat(first.head().toLowerCase()).doesNotContain("transfer-encoding").doesNotContain("content-length");
                s.http().delete("/sessions/" + id);
                RawHttp.Seen rest = c.read(Duration.ofSeconds(3));
                assertThat(rest.text()).contains("event: session.closed");
                assertThat(rest.closedByServer()).isTrue();
            }
        }
    }

    @Test
    void eventStreamsAreCappedPerSessionAndInAll() {
        // A stream learns that its client left at its next write: a short keep-alive makes that quick here.
        try (TestServer s = TestServer.start(Map.of("OPENTALKING_MAX_EVENT_STREAMS", "3",
                "OPENTALKING_MAX_EVENT_STREAMS_PER_SESSION", "2"), TestServer.REPO, Duration.ofMillis(200))) {
            String a = s.http().post("/sessions", MOCK).json().get("session_id").asText();
            String b = s.http().post("/sessions", MOCK).json().get("session_id").asText();
            try (SseClient a1 = new SseClient(s.url() + "/sessions/" + a + "/events", null);
                 SseClient a2 = new SseClient(s.url() + "/sessions/" + a + "/events", null)) {
                assertThat(a1.status()).isEqualTo(200);
                assertThat(a2.status()).isEqualTo(200);
                TestHttp.Reply third = s.http().get("/sessions/" + a + "/events");
                assertThat(third.status()).isEqualTo(503);
                assertThat(third.header("Retry-After")).isNotBlank();
                assertThat(third.json().get("detail").asText()).contains("this session");
                try (SseClient b1 = new SseClient(s.url() + "/sessions/" + b + "/events", null)) {
                    assertThat(b1.status()).isEqualTo(200);
                    TestHttp.Reply fourth = s.http().get("/sessions/" + b + "/events");
                    assertThat(fourth.status()).isEqualTo(503);
                    assertThat(fourth.json().get("detail").asText()).contains("too many event streams");
                }
            }
            // The places come back when the streams close.
            long deadline = System.nanoTime() + 3_000_000_000L;
            int status;
            do {
                try (SseClient again = new SseClient(s.url() + "/sessions/" + a + "/events", null)) {
                    status = again.status();
                }
            } while (status != 200 && System.nanoTime() < deadline);
            assertThat(status).isEqualTo(200);
        }
    }

    @Test
    void sessionCreationIsRateLimitedPerClientAddress() {
        try (TestServer s = TestServer.start(Map.of("OPENTALKING_SESSION_RATE", "0.5",
                "OPENTALKING_SESSION_BURST", "3"))) {
            for (int i = 0; i < 3; i++) {
                assertThat(s.http().post("/sessions", MOCK).status()).isEqualTo(200);
            }
            TestHttp.Reply limited = s.http().post("/sessions", MOCK);
            assertThat(limited.status()).isEqualTo(429);
            assertThat(Integer.parseInt(limited.header("Retry-After"))).isBetween(1, 2);
            assertThat(limited.json().has("session_id")).isFalse();
            // Another address has its own bucket.
            try (RawHttp other = RawHttp.connect("127.0.0.4", s.port())) {
                RawHttp.Seen seen = other.send("POST /sessions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                        + "Content-Type: application/json\r\nContent-Length: " + MOCK.length() + "\r\n\r\n" + MOCK)
                        .read(Duration.ofSeconds(3));
                assertThat(seen.firstStatus()).isEqualTo(200);
            }
        }
    }

    @Test
    void onlyJsonBodiesCreateOrStartSessions() {
        try (TestServer s = TestServer.start(Map.of())) {
            TestHttp.Reply plain = s.http().send(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create(s.url() + "/sessions")).header("Content-Type", "text/plain")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(MOCK)));
            assertThat(plain.status()).isEqualTo(415);
            assertThat(plain.json().get("detail").asText()).contains("application/json");
            TestHttp.Reply withCharset = s.http().send(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create(s.url() + "/sessions")).header("Content-Type", "application/json; charset=utf-8")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(MOCK)));
            assertThat(withCharset.status()).isEqualTo(200);
            String id = withCharset.json().get("session_id").asText();
            TestHttp.Reply startPlain = s.http().send(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create(s.url() + "/sessions/" + id + "/start")).header("Content-Type", "text/plain")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")));
            assertThat(startPlain.status()).isEqualTo(415);
            assertThat(s.http().get("/sessions/" + id).json().get("state").asText()).isEqualTo("created");
            // A bare POST with no body at all carries nothing to mistake for JSON.
            assertThat(s.http().method("POST", "/sessions/" + id + "/start").status()).isEqualTo(200);
        }
    }

    @Test
    void aBodyThatTricklesInPastTheDeadlineIsAnswered408() throws InterruptedException {
        try (TestServer s = TestServer.start(Map.of("OPENTALKING_HEADER_TIMEOUT_MS", "800"));
             RawHttp c = RawHttp.connect(s.port())) {
            c.send("POST /sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{");
            for (int i = 0; i < 30 && c.trySend(" "); i++) {
                Thread.sleep(50);
            }
            RawHttp.Seen seen = c.read(Duration.ofSeconds(3));
            assertThat(seen.firstStatus()).isEqualTo(408);
            assertThat(seen.statusLines()).isEqualTo(1);
            assertThat(seen.closedByServer()).isTrue();
        }
    }

    @Test
    void aTrailingSlashRedirectsToTheRoute() {
        try (TestServer s = TestServer.start(Map.of()); RawHttp c = RawHttp.connect(s.port())) {
            RawHttp.Seen seen = c.send("GET /models/?x=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .read(Duration.ofSeconds(3));
            assertThat(seen.firstStatus()).isEqualTo(307);
            assertThat(seen.head()).contains("Location: /models?x=1");
            assertThat(s.http().get("/nope/").status()).isEqualTo(404);
        }
    }

    @Test
    void liveSessionsAreCappedAndARefusalChangesNothing() {
        try (TestServer s = TestServer.start(Map.of("OPENTALKING_MAX_SESSIONS", "2"))) {
            String a = s.http().post("/sessions", MOCK).json().get("session_id").asText();
            s.http().post("/sessions", MOCK);
            TestHttp.Reply refused = s.http().post("/sessions", MOCK);
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.header("Retry-After")).isNotBlank();
            assertThat(refused.json().get("detail").asText()).contains("too many live sessions");
            // Ending one gives its place back.
            assertThat(s.http().delete("/sessions/" + a).status()).isEqualTo(200);
            assertThat(s.http().post("/sessions", MOCK).status()).isEqualTo(200);
        }
    }

    @Test
    void bodiesBeingReadAtOnceHaveABudget() {
        try (TestServer s = TestServer.start(Map.of("OPENTALKING_SESSION_BURST", "1000",
                "OPENTALKING_HEADER_TIMEOUT_MS", "5000"))) {
            String head = "POST /sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 65536\r\n\r\n{";
            List<RawHttp> reading = new ArrayList<>();
            try {
                // 128 bodies of the largest size take the whole 8 MiB budget while they trickle in...
                for (int i = 0; i < 128; i++) {
                    reading.add(RawHttp.connect("127.0.0." + (2 + i % 8), s.port()).send(head));
                }
                // ...so one more is answered at once instead of holding another 64 KiB.
                for (RawHttp r : reading) {
                    assertThat(r.read(Duration.ofMillis(20)).text()).as("still reading its body").isEmpty();
                }
                TestHttp.Reply refused = null;
                String lastSeen = "";
                long deadline = System.nanoTime() + 8_000_000_000L;
                while (System.nanoTime() < deadline) {
                    try (RawHttp extra = RawHttp.connect("127.0.0.10", s.port())) {
                        RawHttp.Seen seen = extra.send(head).read(Duration.ofMillis(500));
                        lastSeen = seen.text() + " closed=" + seen.closedByServer() + " took=" + seen.took();
                        if (seen.statusLines() == 1 && seen.firstStatus() == 503) {
                            assertThat(seen.text()).contains("too many request bodies").contains("Retry-After: 1");
                            refused = new TestHttp.Reply(503, Map.of(), seen.text());
                            break;
                        }
                    }
                }
                assertThat(refused).as("the 129th body is refused; it saw: " + lastSeen).isNotNull();
                assertThat(s.http().get("/healthz").status()).isEqualTo(200);
            } finally {
                reading.forEach(RawHttp::close);
            }
        }
    }
}
