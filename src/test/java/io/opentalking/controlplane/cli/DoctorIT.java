package io.opentalking.controlplane.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentalking.controlplane.testing.FreePorts;
import io.opentalking.controlplane.testing.MainProcess;
import io.opentalking.controlplane.testing.RedisServerProcess;
import io.opentalking.controlplane.testing.StubHttpServer;
import io.opentalking.controlplane.testing.TestServer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code doctor} as an operator runs it: a separate JVM with a controlled environment. Exit 0 when the store is
 * reachable, 1 when it is not, 2 for invalid configuration; its model table is the server's.
 */
class DoctorIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Run(int exit, String stdout, String stderr) {
        JsonNode json() {
            try {
                return JSON.readTree(stdout);
            } catch (IOException e) {
                throw new AssertionError("doctor did not print JSON:\n" + stdout + "\nstderr:\n" + stderr, e);
            }
        }
    }

    /** The environment both the doctor and the comparison server get (nothing from the real environment). */
    private static Map<String, String> baseEnv() {
        Map<String, String> env = new HashMap<>();
        env.put("OPENTALKING_AVATARS_DIR", TestServer.REPO.resolve("examples/avatars").toString());
        env.put("OPENTALKING_MODEL_ROOT", TestServer.REPO.resolve("no-models-here").toString());
        // A cold JVM on a busy machine: keep the mock self-test inside the probe bound.
        env.put("OPENTALKING_PROBE_TIMEOUT_MS", "5000");
        return env;
    }

    /** Runs Main in a new JVM with exactly this environment (plus PATH and HOME) in an empty directory. */
    static Run java(Map<String, String> config, String... args) {
        MainProcess.Run r = MainProcess.run(config, args);
        return new Run(r.exit(), r.stdout(), r.stderr());
    }

    private static List<String> table(JsonNode statuses) {
        List<String> rows = new ArrayList<>();
        for (JsonNode s : statuses) {
            rows.add(s.get("id").asText() + " " + s.get("backend").asText() + " " + s.get("connected").asBoolean()
                    + " " + s.get("reason").asText());
        }
        return rows;
    }

    @Test
    void memoryStoreIsReachableAndTheModelTableIsTheServers() throws Exception {
        StubHttpServer omnirt = new StubHttpServer().answer("/v1/audio2video/models",
                StubHttpServer.Answer.json(200, "{\"models\":[\"flashtalk\",\"wav2lip\"]}"));
        try {
            Map<String, String> env = baseEnv();
            env.put("OPENTALKING_OMNIRT_ENDPOINT", omnirt.url());
            env.put("OPENTALKING_FLASHHEAD_WS_URL", "ws://127.0.0.1:" + FreePorts.free());
            env.put("OPENTALKING_DEFAULT_MODEL", "FlashTalk");
            env.put("OPENTALKING_SLOT_MODELS", "flashtalk,ghost");

            Run run = java(env, "doctor", "--json");
            assertThat(run.exit()).as(run.stdout() + run.stderr()).isZero();
            JsonNode out = run.json();
            assertThat(out.get("store").get("ok").asBoolean()).isTrue();
            assertThat(out.get("verdict").asText()).startsWith("OK: store reachable");
            JsonNode doctorModels = out.get("models");

            JsonNode serverModels;
            try (TestServer s = TestServer.start(env)) {
                serverModels = s.http().get("/models").json();
            }
            assertThat(table(doctorModels.get("statuses"))).isEqualTo(table(serverModels.get("statuses")))
                    .contains("flashtalk omnirt true omnirt", "wav2lip omnirt true omnirt",
                            "musetalk omnirt false omnirt_unavailable", "flashhead direct_ws false direct_ws_unavailable",
                            "quicktalk local false local_adapter_missing", "mock mock true local_self_test");
            assertThat(doctorModels.get("models")).isEqualTo(serverModels.get("models"));
            assertThat(doctorModels.get("default_model")).isEqualTo(serverModels.get("default_model"));
            assertThat(doctorModels.get("default_model").asText()).isEqualTo("flashtalk");
            assertThat(out.get("warnings")).hasSize(1);
            assertThat(out.get("warnings").get(0).asText()).contains("'ghost'", "not in the model catalog");

            // The same in the human format: a table and the verdict.
            Run text = java(env, "doctor");
            assertThat(text.exit()).isZero();
            assertThat(text.stdout()).containsPattern("MODEL\\s+BACKEND\\s+CONNECTED\\s+REASON\\s+DETAIL")
                    .containsPattern("flashtalk\\s+omnirt\\s+yes\\s+omnirt")
                    .containsPattern("musetalk\\s+omnirt\\s+no\\s+omnirt_unavailable")
                    .contains("store: ok", "OK: store reachable")
                    .containsPattern("warning: slot model 'ghost' .*not in the model catalog");
        } finally {
            omnirt.close();
        }
    }

    @Test
    void reachableRedisIsExitZero() throws Exception {
        try (RedisServerProcess redis = new RedisServerProcess()) {
            Map<String, String> env = baseEnv();
            env.put("OPENTALKING_REDIS_URL", redis.url());
            Run run = java(env, "doctor", "--json");
            assertThat(run.exit()).as(run.stdout() + run.stderr()).isZero();
            assertThat(run.json().get("store").get("ok").asBoolean()).isTrue();
        }
    }

    @Test
    void unreachableRedisIsExitOne() throws Exception {
        Map<String, String> env = baseEnv();
        env.put("OPENTALKING_REDIS_URL", "redis://127.0.0.1:" + FreePorts.free() + "/0");
        long t0 = System.nanoTime();
        Run run = java(env, "doctor", "--json");
        assertThat(run.exit()).as(run.stdout() + run.stderr()).isEqualTo(1);
        JsonNode out = run.json();
        assertThat(out.get("store").get("ok").asBoolean()).isFalse();
        assertThat(out.get("store").get("detail").asText()).isNotBlank();
        assertThat(out.get("verdict").asText()).startsWith("FAIL: store unreachable");
        assertThat(out.get("models").get("statuses")).hasSize(6);
        assertThat((System.nanoTime() - t0) / 1_000_000_000).as("seconds").isLessThan(30);
    }

    @Test
    void wrongOrMissingRedisPasswordSaysAuthenticationFailedWithoutThePassword() throws Exception {
        String wrong = "wrong-" + java.util.UUID.randomUUID();
        try (RedisServerProcess redis = RedisServerProcess.withPassword("right-" + java.util.UUID.randomUUID())) {
            Map<String, String> env = baseEnv();
            env.put("OPENTALKING_REDIS_URL", redis.url(wrong));
            Run json = java(env, "doctor", "--json");
            assertThat(json.exit()).as(json.stdout() + json.stderr()).isEqualTo(1);
            assertThat(json.json().get("store").get("detail").asText())
                    .contains("authentication failed", "refused the user name or password");
            Run text = java(env, "doctor");
            assertThat(text.exit()).isEqualTo(1);
            assertThat(text.stdout()).contains("store: UNREACHABLE", "authentication failed")
                    .containsPattern("FAIL: store unreachable .*authentication failed");
            for (Run r : List.of(json, text)) {
                assertThat(r.stdout() + r.stderr()).doesNotContain(wrong, "<unresolved>", "Unable to connect");
            }

            env.put("OPENTALKING_REDIS_URL", redis.url());
            Run none = java(env, "doctor", "--json");
            assertThat(none.exit()).isEqualTo(1);
            assertThat(none.json().get("store").get("detail").asText())
                    .contains("authentication failed", "requires a password");
        }
    }

    @Test
    void unreachableRedisDetailHasNoUnresolvedNoise() throws Exception {
        Map<String, String> env = baseEnv();
        int port = FreePorts.free();
        env.put("OPENTALKING_REDIS_URL", "redis://127.0.0.1:" + port + "/0");
        Run run = java(env, "doctor");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.stdout()).contains("127.0.0.1:" + port, "refused").doesNotContain("<unresolved>", " /127.0.0.1", "(/127.0.0.1");
    }

    @Test
    void invalidConfigurationIsExitTwoForDoctorAndServer() throws Exception {
        Map<String, String> env = baseEnv();
        env.put("OPENTALKING_FLASHTALK_MAX_QUEUE_SIZE", "-1");
        Run run = java(env, "doctor", "--json");
        assertThat(run.exit()).as(run.stdout() + run.stderr()).isEqualTo(2);
        assertThat(run.json().get("verdict").asText()).isEqualTo("invalid configuration");
        assertThat(run.json().get("config_error").asText()).contains("OPENTALKING_FLASHTALK_MAX_QUEUE_SIZE", "-1");

        env.put("OPENTALKING_API_PORT", Integer.toString(FreePorts.free()));
        Run serve = java(env, "serve");
        assertThat(serve.exit()).isEqualTo(2);
        assertThat(serve.stderr()).contains("configuration error", "OPENTALKING_FLASHTALK_MAX_QUEUE_SIZE");
    }
}
