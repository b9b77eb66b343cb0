package io.opentalking.controlplane.http;

import io.opentalking.controlplane.testing.TestHttp;
import io.opentalking.controlplane.testing.TestServer;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** CORS from OPENTALKING_CORS_ORIGINS: '*' (the default) and a list of origins; credentials never allowed. */
class CorsIT {
    private static TestHttp.Reply preflight(TestServer s, String path, String origin, String method, String headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(s.url() + path))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", origin).header("Access-Control-Request-Method", method);
        if (headers != null) {
            b.header("Access-Control-Request-Headers", headers);
        }
        return s.http().send(b);
    }

    private static TestHttp.Reply get(TestServer s, String path, String origin) {
        return s.http().send(HttpRequest.newBuilder(URI.create(s.url() + path)).header("Origin", origin).GET());
    }

    @Test
    void wildcardAnswersEveryOriginAndNeverAllowsCredentials() {
        try (TestServer s = TestServer.start(Map.of())) {
            TestHttp.Reply p = preflight(s, "/sessions", "https://app.example", "POST", "content-type, x-request-id");
            assertThat(p.status()).isEqualTo(204);
            assertThat(p.body()).isEmpty();
            assertThat(p.header("Access-Control-Allow-Origin")).isEqualTo("*");
            assertThat(p.header("Access-Control-Allow-Methods")).contains("GET", "POST", "DELETE", "OPTIONS");
            assertThat(p.header("Access-Control-Allow-Headers")).isEqualTo("content-type, x-request-id");
            assertThat(p.header("Access-Control-Max-Age")).isEqualTo("600");
            assertThat(p.header("Access-Control-Allow-Credentials")).isNull();

            // A preflight without Access-Control-Request-Headers still allows Content-Type (JSON bodies).
            TestHttp.Reply plain = preflight(s, "/models", "http://localhost:3000", "GET", null);
            assertThat(plain.status()).isEqualTo(204);
            assertThat(plain.header("Access-Control-Allow-Headers")).containsIgnoringCase("content-type");
            assertThat(plain.header("Access-Control-Allow-Credentials")).isNull();

            TestHttp.Reply q = get(s, "/queue/status", "https://app.example");
            assertThat(q.status()).isEqualTo(200);
            assertThat(q.header("Access-Control-Allow-Origin")).isEqualTo("*");
            assertThat(q.header("Access-Control-Expose-Headers")).contains("X-Queue-Status-Source", "Retry-After",
                    "X-Models-Snapshot-Age-Ms");
            assertThat(q.header("Access-Control-Allow-Credentials")).isNull();

            // Even a request that carries credentials does not get them allowed.
            TestHttp.Reply withCookie = s.http().send(HttpRequest.newBuilder(URI.create(s.url() + "/models"))
                    .header("Origin", "https://app.example").header("Cookie", "session=1").GET());
            assertThat(withCookie.header("Access-Control-Allow-Credentials")).isNull();

            // Not a preflight (no Access-Control-Request-Method): routed as usual, so the answer says what the path
            // takes (HAProxy's default check is OPTIONS / HTTP/1.0) and carries no preflight headers.
            TestHttp.Reply options = s.http().send(HttpRequest.newBuilder(URI.create(s.url() + "/models"))
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
            assertThat(options.status()).isEqualTo(204);
            assertThat(options.header("Allow")).isEqualTo("GET, OPTIONS");
            assertThat(options.header("Access-Control-Allow-Methods")).isNull();
        }
    }

    @Test
    void aListAnswersListedOriginsAndRefusesOthers() {
        try (TestServer s = TestServer.start(Map.of("OPENTALKING_CORS_ORIGINS",
                "https://app.example, http://localhost:5173"))) {
            TestHttp.Reply p = preflight(s, "/sessions", "http://localhost:5173", "POST", "content-type");
            assertThat(p.status()).isEqualTo(204);
            assertThat(p.header("Access-Control-Allow-Origin")).isEqualTo("http://localhost:5173");
            assertThat(p.header("Vary")).contains("Origin");
            assertThat(p.header("Access-Control-Allow-Methods")).contains("POST");
            assertThat(p.header("Access-Control-Allow-Headers")).isEqualTo("content-type");
            assertThat(p.header("Access-Control-Allow-Credentials")).isNull();

            TestHttp.Reply listed = get(s, "/health", "https://app.example");
            assertThat(listed.status()).isEqualTo(200);
            assertThat(listed.header("Access-Control-Allow-Origin")).isEqualTo("https://app.example");

            TestHttp.Reply refused = preflight(s, "/sessions", "https://evil.example", "POST", "content-type");
            assertThat(refused.status()).isEqualTo(400);
            assertThat(refused.header("Content-Type")).isEqualTo("application/json; charset=utf-8");
            assertThat(refused.json().toString()).isEqualTo("{\"detail\":\"Disallowed CORS origin\"}");
            assertThat(refused.header("Access-Control-Allow-Origin")).isNull();
            assertThat(refused.header("Access-Control-Allow-Methods")).isNull();

            // A simple request from an unlisted origin is served (CORS is the browser's check) without the header.
            TestHttp.Reply unlisted = get(s, "/health", "https://evil.example");
            assertThat(unlisted.status()).isEqualTo(200);
            assertThat(unlisted.header("Access-Control-Allow-Origin")).isNull();
        }
    }
}
