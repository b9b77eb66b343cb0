package io.opentalking.controlplane;

import io.opentalking.controlplane.config.ConfigLoader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The production routing without a socket (Jetty's local connector): validation, 404/405, redirects, media
 * types, error mapping and CORS, byte for byte as a client would read them. No network, embedded store.
 */
class RoutingTest {
    private static final Path REPO = Path.of("").toAbsolutePath();
    private static final String MOCK = "{\"avatar_id\":\"demo-avatar\",\"model\":\"mock\"}";
    private static ControlPlane open;
    private static ControlPlane listed;

    @BeforeAll
    static void start() {
        open = ControlPlane.startWithoutSocket(ConfigLoader.load(env(Map.of()), REPO), Clock.systemUTC());
        listed = ControlPlane.startWithoutSocket(ConfigLoader.load(env(Map.of("OPENTALKING_CORS_ORIGINS",
                "http://ui.example")), REPO), Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        open.close();
        listed.close();
    }

    private static Map<String, String> env(Map<String, String> extra) {
        Map<String, String> e = new java.util.HashMap<>(Map.of("OPENTALKING_REDIS_MODE", "memory",
                "OPENTALKING_AVATARS_DIR", REPO.resolve("examples/avatars").toString(),
                "OPENTALKING_MODEL_ROOT", REPO.resolve("target/no-models-here").toString()));
        e.putAll(extra);
        return e;
    }

    private static String get(ControlPlane cp, String path) {
        return cp.exchange("GET " + path + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    }

    private static String post(ControlPlane cp, String path, String type, String body) {
        return cp.exchange("POST " + path + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
                + (type == null ? "" : "Content-Type: " + type + "\r\n")
                + "Content-Length: " + body.length() + "\r\n\r\n" + body);
    }

    private static String body(String response) {
        return response.substring(response.indexOf("\r\n\r\n") + 4);
    }

    @Test
    void healthIsTheSeedsConstantBody() {
        String r = get(open, "/healthz");
        assertThat(r).startsWith("HTTP/1.1 200 OK\r\n").contains("Content-Type: application/json; charset=utf-8");
        assertThat(body(r)).isEqualTo("{\"status\":\"ok\"}");
        assertThat(body(get(open, "/health"))).isEqualTo("{\"status\":\"ok\"}");
    }

    @Test
    void unknownPathsAre404AndWrongMethods405WithAllow() {
        String missing = get(open, "/nope");
        assertThat(missing).startsWith("HTTP/1.1 404 ");
        assertThat(body(missing)).isEqualTo("{\"detail\":\"Not Found\"}");
        String wrong = open.exchange("PUT /models HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
        assertThat(wrong).startsWith("HTTP/1.1 405 ").contains("Allow: GET\r\n");
        assertThat(body(wrong)).isEqualTo("{\"detail\":\"Method Not Allowed\"}");
        String sessions = open.exchange("DELETE /sessions HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        assertThat(sessions).startsWith("HTTP/1.1 405 ").contains("Allow: POST\r\n");
        assertThat(open.exchange("HEAD /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"))
                .startsWith("HTTP/1.1 405 ");
    }

    @Test
    void aTrailingSlashRedirects307KeepingTheQuery() {
        String r = get(open, "/queue/status/?a=1");
        assertThat(r).startsWith("HTTP/1.1 307 ").contains("Location: /queue/status?a=1\r\n");
        assertThat(get(open, "/queue/nope/")).startsWith("HTTP/1.1 404 ");
    }

    @Test
    void sessionBodiesAreValidatedInOrder() {
        assertThat(post(open, "/sessions", "text/plain", MOCK)).startsWith("HTTP/1.1 415 ");
        assertThat(post(open, "/sessions", null, MOCK)).startsWith("HTTP/1.1 415 ");
        assertThat(body(post(open, "/sessions", "application/json", "not json")))
                .isEqualTo("{\"detail\":\"request body is not valid JSON\"}");
        assertThat(body(post(open, "/sessions", "application/json", "{\"model\":\"mock\"}")))
                .isEqualTo("{\"detail\":\"avatar_id is required\"}");
        assertThat(body(post(open, "/sessions", "application/json", "{\"avatar_id\":\"../x\",\"model\":\"mock\"}")))
                .isEqualTo("{\"detail\":\"invalid avatar_id\"}");
        assertThat(body(post(open, "/sessions", "application/json", "{\"avatar_id\":\"demo-avatar\",\"model\":\"nope\"}")))
                .isEqualTo("{\"detail\":\"model 'nope' is not yet supported on this deployment. Currently available: mock.\"}");
        String big = "{\"avatar_id\":\"demo-avatar\",\"model\":\"mock\",\"llm_system_prompt\":\"" + "x".repeat(70_000) + "\"}";
        assertThat(post(open, "/sessions", "application/json", big)).startsWith("HTTP/1.1 413 ");
        String ok = post(open, "/sessions", "application/json; charset=utf-8", MOCK);
        assertThat(ok).startsWith("HTTP/1.1 200 ");
        assertThat(body(ok)).matches("\\{\"session_id\":\"[0-9a-f-]{36}\",\"status\":\"created\"}");
    }

    @Test
    void sessionErrorsMapToTheirStatus() {
        String nope = "/sessions/00000000-0000-4000-8000-000000000000";
        assertThat(body(get(open, nope))).isEqualTo("{\"detail\":\"session not found\"}");
        String id = body(post(open, "/sessions", "application/json", MOCK)).replaceAll(".*\"session_id\":\"([^\"]+)\".*", "$1");
        assertThat(post(open, "/sessions/" + id + "/start", null, "")).startsWith("HTTP/1.1 200 ");
        String again = post(open, "/sessions/" + id + "/start", null, "");
        assertThat(again).startsWith("HTTP/1.1 409 ");
        assertThat(body(again)).isEqualTo("{\"detail\":\"session is already running\"}");
    }

    @Test
    void corsAnswersPreflightsAndRefusesUnlistedOrigins() {
        String preflight = listed.exchange("OPTIONS /sessions HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
                + "Origin: http://ui.example\r\nAccess-Control-Request-Method: POST\r\n\r\n");
        assertThat(preflight).startsWith("HTTP/1.1 204 ").contains("Access-Control-Allow-Origin: http://ui.example\r\n")
                .contains("Vary: Origin\r\n").contains("Access-Control-Allow-Methods: GET, POST, DELETE, OPTIONS\r\n");
        String refused = listed.exchange("OPTIONS /sessions HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
                + "Origin: http://evil.example\r\nAccess-Control-Request-Method: POST\r\n\r\n");
        assertThat(refused).startsWith("HTTP/1.1 400 ").doesNotContain("Access-Control-Allow-Origin");
        // CORS headers survive an error answer.
        String error = listed.exchange("GET /nope HTTP/1.1\r\nHost: t\r\nConnection: close\r\nOrigin: http://ui.example\r\n\r\n");
        assertThat(error).startsWith("HTTP/1.1 404 ").contains("Access-Control-Allow-Origin: http://ui.example\r\n");
        String any = open.exchange("GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\nOrigin: http://x.example\r\n\r\n");
        assertThat(any).contains("Access-Control-Allow-Origin: *\r\n").doesNotContain("Allow-Credentials");
    }

    @Test
    void parserRejectionsAreJson4xxWithoutDetailsOfTheParser() {
        String r = open.exchange("GET /healthz HTTP/1.1\r\nHost: t\r\nBad Header\r\n\r\n");
        assertThat(r).startsWith("HTTP/1.1 400 ");
        assertThat(body(r)).isEqualTo("{\"detail\":\"Bad Request\"}");
    }

    @Test
    void http10IsAnsweredWithoutChunking() {
        String r = open.exchange("GET /queue/status HTTP/1.0\r\n\r\n");
        assertThat(r).matches("(?s)HTTP/1\\.[01] 200 .*").contains("Content-Length: ").doesNotContain("chunked");
        assertThat(body(r)).isEqualTo("{\"slot_occupied\":false,\"queue_size\":0}");
    }
}
