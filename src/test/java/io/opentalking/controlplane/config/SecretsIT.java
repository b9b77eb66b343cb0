package io.opentalking.controlplane.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentalking.controlplane.testing.Await;
import io.opentalking.controlplane.testing.FreePorts;
import io.opentalking.controlplane.testing.MainProcess;
import io.opentalking.controlplane.testing.StubHttpServer;
import io.opentalking.controlplane.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Canary secrets in every place a secret can be configured; then every response of every route (error paths
 * included), the server's whole log and {@code doctor}'s output are searched for them. None may appear.
 */
class SecretsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    Path tmp;

    private static Map<String, String> base(int port) {
        Map<String, String> env = new HashMap<>();
        env.put("OPENTALKING_API_PORT", Integer.toString(port));
        env.put("OPENTALKING_AVATARS_DIR", TestServer.REPO.resolve("examples/avatars").toString());
        env.put("OPENTALKING_MODEL_ROOT", TestServer.REPO.resolve("no-models-here").toString());
        env.put("OPENTALKING_ACCESS_LOG", "1");
        env.put("OPENTALKING_PROBE_TIMEOUT_MS", "3000");
        return env;
    }

    /** A backend that fails, so error details are produced, and records the key it was sent. */
    private static StubHttpServer failingOmnirt() {
        return new StubHttpServer().fallback(StubHttpServer.Answer.json(500, "{\"detail\":\"internal\"}"));
    }

    @Test
    void secretsFromTheEnvironmentAppearInNoOutput() throws Exception {
        List<String> canaries = List.of("canary-redis-pw-4b1e", "canary-omnirt-key-77a1", "canary-legacy-key-0d2c",
                "canary-endpoint-pw-9c3d", "canary-ws-pw-5e2f");
        try (StubHttpServer omnirt = failingOmnirt()) {
            int port = FreePorts.free();
            Map<String, String> env = base(port);
            env.put("OPENTALKING_REDIS_URL", "redis://:canary-redis-pw-4b1e@127.0.0.1:" + FreePorts.free() + "/0");
            env.put("OPENTALKING_OMNIRT_ENDPOINT", "http://op:canary-endpoint-pw-9c3d@127.0.0.1:" + omnirt.port());
            env.put("OPENTALKING_OMNIRT_API_KEY", "canary-omnirt-key-77a1");
            env.put("OMNIRT_API_KEY", "canary-legacy-key-0d2c");
            env.put("OPENTALKING_FLASHHEAD_WS_URL", "ws://u:canary-ws-pw-5e2f@127.0.0.1:" + FreePorts.free() + "/x");
            String all = everyOutput(env, port);
            assertThat(omnirt.seen()).as("the key was really in use").isNotEmpty()
                    .allSatisfy(s -> assertThat(s.authorization()).isEqualTo("Bearer canary-omnirt-key-77a1"));
            assertNoCanary(all, canaries);
        }
    }

    @Test
    void secretsFromTheYamlFileAppearInNoOutput() throws Exception {
        List<String> canaries = List.of("canary-yaml-redis-pw-6a8b", "canary-yaml-key-31d0", "canary-yaml-ws-pw-8f01");
        try (StubHttpServer omnirt = failingOmnirt()) {
            int port = FreePorts.free();
            Path yaml = tmp.resolve("secrets.yaml");
            Files.writeString(yaml, "infrastructure:\n  redis_url: redis://user:canary-yaml-redis-pw-6a8b@127.0.0.1:"
                    + FreePorts.free() + "/0\nomnirt_endpoint: " + omnirt.url() + "\nomnirt_api_key: canary-yaml-key-31d0\n"
                    + "models:\n  musetalk:\n    backend: direct_ws\n    ws_url: ws://u:canary-yaml-ws-pw-8f01@127.0.0.1:"
                    + FreePorts.free() + "/ws\n");
            Map<String, String> env = base(port);
            env.put("OPENTALKING_CONFIG_FILE", yaml.toString());
            String all = everyOutput(env, port);
            assertThat(omnirt.seen()).isNotEmpty()
                    .allSatisfy(s -> assertThat(s.authorization()).isEqualTo("Bearer canary-yaml-key-31d0"));
            assertNoCanary(all, canaries);
        }
    }

    @Test
    void configurationErrorsForUrlsWithPasswordsShowNoPassword() {
        for (String url : List.of("redis://:canary-bad-url-pw-1a2b@[oops/0", "redis://:canary-bad-url-pw-1a2b@h:port/0",
                "http://:canary-bad-url-pw-1a2b@h:6379/0")) {
            Map<String, String> env = base(FreePorts.free());
            env.put("OPENTALKING_REDIS_URL", url);
            MainProcess.Run serve = MainProcess.run(env, "serve");
            MainProcess.Run doctor = MainProcess.run(env, "doctor", "--json");
            assertThat(serve.exit()).as(serve.stderr()).isEqualTo(2);
            assertThat(doctor.exit()).isEqualTo(2);
            String all = serve.stdout() + serve.stderr() + doctor.stdout() + doctor.stderr();
            assertThat(all).contains("OPENTALKING_REDIS_URL", "***@");
            assertNoCanary(all, List.of("canary-bad-url-pw-1a2b"));
        }
    }

    private static void assertNoCanary(String all, List<String> canaries) {
        for (String c : canaries) {
            int at = all.indexOf(c);
            assertThat(at).as("canary " + c + " found in: "
                    + (at < 0 ? "" : all.substring(Math.max(0, at - 300), Math.min(all.length(), at + 100)))).isEqualTo(-1);
        }
    }

    /** Starts the server, hits every route, stops it; then doctor twice. Everything printed or answered. */
    private String everyOutput(Map<String, String> env, int port) throws Exception {
        StringBuilder all = new StringBuilder();
        MainProcess server = MainProcess.start(env, "serve");
        String base = "http://127.0.0.1:" + port;
        try {
            Await.untilTrue(Duration.ofSeconds(30), "server up", () -> call("GET", base + "/healthz", null, null)
                    .startsWith("200"));
            for (String[] r : requests(base)) {
                all.append(call(r[0], base + r[1], r[2], r[3])).append('\n');
            }
        } finally {
            MainProcess.Run out = server.stop();
            all.append(out.stdout()).append(out.stderr());
        }
        for (String[] args : List.of(new String[]{"doctor"}, new String[]{"doctor", "--json"})) {
            MainProcess.Run d = MainProcess.run(env, args);
            all.append(d.stdout()).append(d.stderr());
        }
        assertThat(all.toString()).contains("/models", "OpenTalking doctor");
        return all.toString();
    }

    /** Every path in the OpenAPI document with every method, plus the error paths. */
    private List<String[]> requests(String base) throws IOException {
        List<String[]> out = new ArrayList<>();
        JsonNode paths = JSON.readTree(call("GET", base + "/openapi.json", null, null).split("\n", 3)[2]).get("paths");
        String json = "application/json";
        String create = "{\"avatar_id\":\"demo-avatar\",\"model\":\"mock\"}";
        for (Iterator<Map.Entry<String, JsonNode>> it = paths.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> p = it.next();
            String path = p.getKey().replace("/avatars/{id}", "/avatars/demo-avatar")
                    .replace("{id}", "00000000-0000-4000-8000-000000000000").replace("{avatar_id}", "demo-avatar");
            for (Iterator<String> m = p.getValue().fieldNames(); m.hasNext(); ) {
                String method = m.next().toUpperCase(java.util.Locale.ROOT);
                if (List.of("GET", "POST", "DELETE", "PUT", "PATCH").contains(method)) {
                    out.add(new String[]{method, path, method.equals("POST") ? create : null, json});
                }
            }
        }
        out.add(new String[]{"POST", "/sessions", create, json});
        out.add(new String[]{"POST", "/sessions", "{\"avatar_id\":\"demo-avatar\",\"model\":\"flashtalk\"}", json});
        out.add(new String[]{"POST", "/sessions", "{\"avatar_id\":\"demo-avatar\",\"model\":\"flashhead\"}", json});
        out.add(new String[]{"POST", "/sessions", "not json", json});
        out.add(new String[]{"POST", "/sessions", create, "text/plain"});
        out.add(new String[]{"GET", "/avatars/../etc", null, null});
        out.add(new String[]{"GET", "/nope", null, null});
        out.add(new String[]{"DELETE", "/models", null, null});
        out.add(new String[]{"GET", "/models/", null, null});
        out.add(new String[]{"GET", "/status.json", null, null});
        out.add(new String[]{"GET", "/metrics", null, null});
        return out;
    }

    /**
     * The whole body, or what arrived of it within two seconds: an event stream ({@code /models/events}) does
     * not end, and what it sends is output too.
     */
    private static String bodyOf(java.io.InputStream in) throws InterruptedException {
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        Thread reader = Thread.ofVirtual().start(() -> {
            try (in) {
                in.transferTo(got);
            } catch (IOException e) {
                // closed below, after the deadline
            }
        });
        if (!reader.join(Duration.ofSeconds(2))) {
            try {
                in.close();
            } catch (IOException e) {
                // what was read is kept
            }
            reader.join(Duration.ofSeconds(2));
        }
        return got.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Status line, headers and body of one exchange, as text. */
    private static String call(String method, String url, String body, String type) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (type != null) {
            b.header("Content-Type", type);
        }
        try {
            HttpResponse<java.io.InputStream> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            return r.statusCode() + " " + method + " " + url + "\n" + r.headers().map() + "\n" + bodyOf(r.body());
        } catch (IOException e) {
            return "no answer " + method + " " + url + ": " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
