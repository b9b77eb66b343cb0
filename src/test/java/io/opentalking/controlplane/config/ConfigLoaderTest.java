package io.opentalking.controlplane.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    private AppConfig load(Map<String, String> env) {
        return ConfigLoader.load(env, dir);
    }

    private Path yaml(String text) throws IOException {
        Path f = dir.resolve("cfg.yaml");
        Files.writeString(f, text);
        return f;
    }

    @Test
    void defaultsMatchTheSeed() {
        AppConfig c = load(Map.of());
        assertThat(c.models()).extracting(ModelSpec::id)
                .containsExactly("mock", "flashtalk", "musetalk", "wav2lip", "flashhead", "quicktalk");
        assertThat(c.models()).extracting(ModelSpec::backend).containsExactly(Backend.MOCK, Backend.OMNIRT,
                Backend.OMNIRT, Backend.OMNIRT, Backend.DIRECT_WS, Backend.LOCAL);
        assertThat(c.server().host()).isEqualTo("127.0.0.1");
        assertThat(c.server().port()).isEqualTo(8000);
        assertThat(c.server().corsOrigins()).containsExactly("*");
        assertThat(c.store().mode()).isEqualTo(StoreConfig.StoreMode.MEMORY);
        assertThat(c.store().readTimeout()).isEqualTo(Duration.ofMillis(250));
        assertThat(c.probes().timeout()).isEqualTo(Duration.ofMillis(1000));
        assertThat(c.probes().refreshInterval()).isEqualTo(Duration.ofMillis(5000));
        assertThat(c.queue().slots()).isEqualTo(1);
        assertThat(c.queue().maxQueueSize()).isEqualTo(3);
        assertThat(c.queue().slotTimeout()).isEqualTo(Duration.ofSeconds(3600));
        assertThat(c.queue().maxSession()).isEqualTo(Duration.ofSeconds(600));
        assertThat(c.queue().slotModels()).containsExactlyInAnyOrder("flashtalk", "flashhead");
        assertThat(c.defaultModel()).isEmpty();
        assertThat(c.configFile()).isEmpty();
        assertThat(c.avatarsDir()).isEqualTo(dir.resolve("examples/avatars"));
    }

    @Test
    void prefixedEnvBeatsLegacyEnvWhichBeatsYaml() throws IOException {
        Path f = yaml("omnirt_endpoint: http://yaml:1\nflashhead:\n  ws_url: ws://yaml-fh:1/x\n");
        AppConfig c = load(Map.of("OPENTALKING_CONFIG_FILE", f.toString(), "OMNIRT_ENDPOINT", "http://legacy:2"));
        assertThat(c.probes().omnirtEndpoint()).hasValueSatisfying(u -> assertThat(u.toString()).isEqualTo("http://legacy:2"));
        assertThat(c.model("flashhead").orElseThrow().wsUrl()).contains("ws://yaml-fh:1/x");

        c = load(Map.of("OPENTALKING_CONFIG_FILE", f.toString(), "OMNIRT_ENDPOINT", "http://legacy:2",
                "OPENTALKING_OMNIRT_ENDPOINT", "http://prefixed:3", "FLASHHEAD_WS_URL", "ws://legacy-fh:2/y"));
        assertThat(c.probes().omnirtEndpoint().orElseThrow().toString()).isEqualTo("http://prefixed:3");
        assertThat(c.model("flashhead").orElseThrow().wsUrl()).contains("ws://legacy-fh:2/y");
    }

    @Test
    void yamlUsesTheUpstreamKeyLayout() throws IOException {
        Path f = yaml("""
                api:
                  host: 0.0.0.0
                  port: 9001
                  cors_origins: ["http://localhost:5173", "http://127.0.0.1:5173"]
                infrastructure:
                  redis_url: redis://:secret@127.0.0.1:6390/2
                model:
                  default_model: " QuickTalk "
                flashtalk:
                  ws_url: ws://127.0.0.1:8765
                models:
                  wav2lip:
                    backend: local
                  musetalk:
                    backend: direct_ws
                    ws_url: ws://musetalk.example/ws
                  fasterliveportrait:
                    backend: omnirt
                """);
        AppConfig c = load(Map.of("OPENTALKING_CONFIG_FILE", f.toString()));
        assertThat(c.server().host()).isEqualTo("0.0.0.0");
        assertThat(c.server().port()).isEqualTo(9001);
        assertThat(c.server().corsOrigins()).containsExactly("http://localhost:5173", "http://127.0.0.1:5173");
        assertThat(c.store().mode()).isEqualTo(StoreConfig.StoreMode.REDIS);
        assertThat(c.store().describe()).doesNotContain("secret").contains("***@127.0.0.1:6390");
        assertThat(c.defaultModel()).contains("quicktalk");
        assertThat(c.probes().flashtalkWsUrl()).contains("ws://127.0.0.1:8765");
        assertThat(c.model("wav2lip").orElseThrow().backend()).isEqualTo(Backend.LOCAL);
        assertThat(c.model("musetalk").orElseThrow().backend()).isEqualTo(Backend.DIRECT_WS);
        assertThat(c.model("musetalk").orElseThrow().wsUrl()).contains("ws://musetalk.example/ws");
        assertThat(c.models()).extracting(ModelSpec::id).endsWith("fasterliveportrait");
    }

    @Test
    void envBackendOverridesYamlBackend() throws IOException {
        Path f = yaml("models:\n  wav2lip:\n    backend: local\n");
        AppConfig c = load(Map.of("OPENTALKING_CONFIG_FILE", f.toString(), "OPENTALKING_WAV2LIP_BACKEND", " Direct_WS "));
        assertThat(c.model("wav2lip").orElseThrow().backend()).isEqualTo(Backend.DIRECT_WS);
    }

    @Test
    void defaultModelIsNullWhenNotInTheCatalog() {
        assertThat(load(Map.of("OPENTALKING_DEFAULT_MODEL", "bogus")).defaultModel()).isEmpty();
        assertThat(load(Map.of("OPENTALKING_DEFAULT_MODEL", " ")).defaultModel()).isEmpty();
        assertThat(load(Map.of("OPENTALKING_DEFAULT_MODEL", " MOCK ")).defaultModel()).contains("mock");
    }

    @Test
    void corsAcceptsStarCommaListsAndJsonArrays() {
        assertThat(load(Map.of("OPENTALKING_CORS_ORIGINS", "*")).server().corsOrigins()).containsExactly("*");
        assertThat(load(Map.of("OPENTALKING_CORS_ORIGINS", "http://a.test, http://b.test")).server().corsOrigins())
                .containsExactly("http://a.test", "http://b.test");
        assertThat(load(Map.of("OPENTALKING_CORS_ORIGINS", "[\"http://a.test\"]")).server().corsOrigins())
                .containsExactly("http://a.test");
    }

    @Test
    void redisModeCanBeForced() {
        assertThat(load(Map.of("OPENTALKING_REDIS_URL", "redis://127.0.0.1:6400/0", "OPENTALKING_REDIS_MODE", "memory"))
                .store().mode()).isEqualTo(StoreConfig.StoreMode.MEMORY);
        AppConfig c = load(Map.of("OPENTALKING_REDIS_MODE", "redis"));
        assertThat(c.store().mode()).isEqualTo(StoreConfig.StoreMode.REDIS);
        assertThat(c.store().redisUrl().orElseThrow().getPort()).isEqualTo(6379);
        assertThat(load(Map.of("OPENTALKING_REDIS_URL", "rediss://h:6380/1")).store().redisUrl().orElseThrow()
                .getScheme()).isEqualTo("rediss");
    }

    @Test
    void relativePathsResolveAgainstTheWorkingDirectory() {
        AppConfig c = load(Map.of("OPENTALKING_AVATARS_DIR", "my/avatars", "OPENTALKING_MODEL_ROOT", "m"));
        assertThat(c.avatarsDir()).isEqualTo(dir.resolve("my/avatars"));
        assertThat(c.local().quicktalkAssetRoot()).isEqualTo(dir.resolve("m/quicktalk"));
    }

    @Test
    void defaultYamlIsPickedUpFromTheWorkingDirectory() throws IOException {
        Files.createDirectories(dir.resolve("configs"));
        Files.writeString(dir.resolve("configs/default.yaml"), "model:\n  default_model: mock\n");
        AppConfig c = load(Map.of());
        assertThat(c.configFile()).contains(dir.resolve("configs/default.yaml"));
        assertThat(c.defaultModel()).contains("mock");
    }

    record Bad(Map<String, String> env, String key, String fragment) {
    }

    @Test
    void invalidValuesNameTheKeyAndTheValue() {
        List<Bad> cases = List.of(
                new Bad(Map.of("OPENTALKING_WAV2LIP_BACKEND", "gpu"), "OPENTALKING_WAV2LIP_BACKEND", "'gpu'"),
                new Bad(Map.of("OPENTALKING_FLASHTALK_MAX_QUEUE_SIZE", "-1"), "OPENTALKING_FLASHTALK_MAX_QUEUE_SIZE", "'-1'"),
                new Bad(Map.of("OPENTALKING_FLASHTALK_SLOTS", "0"), "OPENTALKING_FLASHTALK_SLOTS", "'0'"),
                new Bad(Map.of("OPENTALKING_FLASHTALK_SLOT_TIMEOUT_SEC", "-5"), "OPENTALKING_FLASHTALK_SLOT_TIMEOUT_SEC", "'-5'"),
                new Bad(Map.of("OPENTALKING_PROBE_TIMEOUT_MS", "0"), "OPENTALKING_PROBE_TIMEOUT_MS", "'0'"),
                new Bad(Map.of("OPENTALKING_API_PORT", "eighty"), "OPENTALKING_API_PORT", "'eighty'"),
                new Bad(Map.of("OPENTALKING_API_PORT", "70000"), "OPENTALKING_API_PORT", "'70000'"),
                new Bad(Map.of("OPENTALKING_OMNIRT_ENDPOINT", "ftp://nope"), "OPENTALKING_OMNIRT_ENDPOINT", "ftp://nope"),
                new Bad(Map.of("OPENTALKING_OMNIRT_ENDPOINT", "localhost:9000"), "OPENTALKING_OMNIRT_ENDPOINT", "localhost:9000"),
                new Bad(Map.of("OPENTALKING_FLASHHEAD_WS_URL", "http://h:1/x"), "OPENTALKING_FLASHHEAD_WS_URL", "http://h:1/x"),
                new Bad(Map.of("OPENTALKING_REDIS_URL", "http://h:6379"), "OPENTALKING_REDIS_URL", "http://h:6379"),
                new Bad(Map.of("OPENTALKING_REDIS_MODE", "disk"), "OPENTALKING_REDIS_MODE", "'disk'"),
                new Bad(Map.of("OPENTALKING_CONFIG_FILE", "missing.yaml"), "OPENTALKING_CONFIG_FILE", "no such file"));
        for (Bad b : cases) {
            assertThatThrownBy(() -> load(b.env())).as(b.env().toString())
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining(b.key())
                    .hasMessageContaining(b.fragment());
        }
    }

    @Test
    void redisPasswordsNeverAppearInErrors() {
        for (String url : List.of("http://:hunter2@h:6379", "redis://:hunter2@h:notaport/0", "redis://:hunter2@[bad/0",
                "redis://user:hunter2@ h:6379/0", "redis://:hun@ter2@h:6379/0")) {
            assertThatThrownBy(() -> load(Map.of("OPENTALKING_REDIS_URL", url))).as(url)
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("OPENTALKING_REDIS_URL")
                    .hasMessageContaining("***@")
                    .message().doesNotContain("hunter2").doesNotContain("ter2");
        }
    }

    @Test
    void recordsHoldingSecretsDoNotPrintThem() {
        AppConfig c = load(Map.of("OPENTALKING_REDIS_URL", "redis://:hunter2@h:6379/0",
                "OPENTALKING_OMNIRT_ENDPOINT", "http://op:endpoint-pw@omnirt:9000",
                "OPENTALKING_OMNIRT_API_KEY", "sk-hunter3",
                "OPENTALKING_FLASHHEAD_WS_URL", "ws://u:ws-pw@fh:1/x"));
        assertThat(c.store().redisUrl().orElseThrow().getUserInfo()).isEqualTo(":hunter2");
        assertThat(c.probes().omnirtApiKey()).contains("sk-hunter3");
        assertThat(c.toString()).contains("redis://***@h:6379/0", "http://***@omnirt:9000", "apiKey=set")
                .doesNotContain("hunter2").doesNotContain("endpoint-pw").doesNotContain("sk-hunter3")
                .doesNotContain("ws-pw");
        assertThat(c.store().describe()).doesNotContain("hunter2");
    }

    @Test
    void sentinelUrlsInLettucesFormAreAcceptedWithTheirPasswordRedacted() {
        for (String url : List.of("redis-sentinel://h1:26379,h2:26380,h3:26381/0#mymaster",
                "redis-sentinel://:sentinel-pw@h1:26379,h2:26380/0#mymaster",
                "rediss-sentinel://user:tls-pw@h1:26379/0?sentinelMasterId=mymaster")) {
            AppConfig c = load(Map.of("OPENTALKING_REDIS_URL", url));
            assertThat(c.store().mode()).isEqualTo(StoreConfig.StoreMode.REDIS);
            assertThat(c.store().isSentinel()).as(url).isTrue();
            assertThat(c.store().describe()).as(url).contains("h1:26379").doesNotContain("sentinel-pw")
                    .doesNotContain("tls-pw");
            assertThat(c.toString()).doesNotContain("sentinel-pw").doesNotContain("tls-pw");
        }
        assertThat(load(Map.of("OPENTALKING_REDIS_URL", "redis-sentinel://h1:1,h2:2/0#mymaster")).store().describe())
                .isEqualTo("redis redis-sentinel://h1:1,h2:2/0#mymaster");
        assertThat(load(Map.of("OPENTALKING_REDIS_URL", "redis://h:6379/0")).store().isSentinel()).isFalse();
    }

    @Test
    void aSentinelUrlWithoutAMasterOrHostsIsAnErrorThatHidesThePassword() {
        assertThatThrownBy(() -> load(Map.of("OPENTALKING_REDIS_URL", "redis-sentinel://:pw-x@h1:1,h2:2/0")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("OPENTALKING_REDIS_URL")
                .hasMessageContaining("#mymaster").message().doesNotContain("pw-x");
        assertThatThrownBy(() -> load(Map.of("OPENTALKING_REDIS_URL", "redis-sentinel:///0#mymaster")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("at least one host");
    }

    @Test
    void theReplicaAcknowledgementTimeoutIsASetting() {
        assertThat(load(Map.of("OPENTALKING_REDIS_URL", "redis://h:1/0")).store().replicaAckTimeout())
                .isEqualTo(StoreConfig.DEFAULT_REPLICA_ACK_TIMEOUT);
        assertThat(load(Map.of("OPENTALKING_REDIS_URL", "redis://h:1/0", "OPENTALKING_REDIS_WAIT_MS", "0")).store()
                .replicaAckTimeout()).isZero();
        assertThatThrownBy(() -> load(Map.of("OPENTALKING_REDIS_WAIT_MS", "-1")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("OPENTALKING_REDIS_WAIT_MS");
    }

    @Test
    void recordsValidateThemselvesAndNameTheKey() {
        Duration s = Duration.ofSeconds(1);
        assertThatThrownBy(() -> new QueueConfig(0, 3, s, s, java.util.Set.of("flashtalk"), s, s, s))
                .isInstanceOf(ConfigException.class).hasMessageContaining("OPENTALKING_FLASHTALK_SLOTS")
                .hasMessageContaining("'0'");
        assertThatThrownBy(() -> new QueueConfig(1, -1, s, s, java.util.Set.of(), s, s, s))
                .hasMessageContaining("OPENTALKING_FLASHTALK_MAX_QUEUE_SIZE");
        assertThatThrownBy(() -> new QueueConfig(1, 3, s, s, java.util.Set.of(), Duration.ofMillis(100), s, s))
                .hasMessageContaining("OPENTALKING_QUEUE_LEASE_MS").hasMessageContaining("'100'");
        assertThatThrownBy(() -> new ServerConfig("127.0.0.1", 70000, List.of("*"), false, s, 1))
                .hasMessageContaining("OPENTALKING_API_PORT");
        assertThatThrownBy(() -> new ServerConfig("127.0.0.1", 80, List.of("ftp://x"), false, s, 1))
                .hasMessageContaining("OPENTALKING_CORS_ORIGINS");
        assertThatThrownBy(() -> new StoreConfig(StoreConfig.StoreMode.REDIS, java.util.Optional.empty(), s, s, s))
                .hasMessageContaining("OPENTALKING_REDIS_URL");
        assertThatThrownBy(() -> new StoreConfig(StoreConfig.StoreMode.REDIS,
                java.util.Optional.of(java.net.URI.create("http://:pw@h:1")), s, s, s))
                .hasMessageContaining("OPENTALKING_REDIS_URL").message().doesNotContain("pw@");
        assertThatThrownBy(() -> new ModelSpec("Bad Id", Backend.MOCK, java.util.Optional.empty()))
                .hasMessageContaining("models.Bad Id");
    }

    @Test
    void refreshPeriodBelowTheProbeTimeoutIsAnError() {
        assertThatThrownBy(() -> load(Map.of("OPENTALKING_MODELS_REFRESH_MS", "500", "OPENTALKING_PROBE_TIMEOUT_MS", "1000")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("OPENTALKING_MODELS_REFRESH_MS")
                .hasMessageContaining("'500'").hasMessageContaining("1000 ms");
        assertThat(load(Map.of("OPENTALKING_MODELS_REFRESH_MS", "1000", "OPENTALKING_PROBE_TIMEOUT_MS", "1000"))
                .probes().refreshInterval()).isEqualTo(Duration.ofMillis(1000));
        // Unset, the period follows a probe timeout longer than the default period.
        assertThat(load(Map.of("OPENTALKING_PROBE_TIMEOUT_MS", "8000")).probes().refreshInterval())
                .isEqualTo(Duration.ofMillis(8000));
    }

    @Test
    void thresholdsAndTheListingBudgetHaveDefaultsAndBounds() {
        ProbeConfig p = load(Map.of()).probes();
        assertThat(p.failureThreshold()).isEqualTo(2);
        assertThat(p.successThreshold()).isEqualTo(1);
        assertThat(p.omnirtListingTimeout()).isEqualTo(Duration.ofMillis(3000));
        p = load(Map.of("OPENTALKING_PROBE_FAILURE_THRESHOLD", "3", "OPENTALKING_PROBE_SUCCESS_THRESHOLD", "2",
                "OPENTALKING_OMNIRT_LISTING_TIMEOUT_MS", "4500")).probes();
        assertThat(p.failureThreshold()).isEqualTo(3);
        assertThat(p.successThreshold()).isEqualTo(2);
        assertThat(p.omnirtListingTimeout()).isEqualTo(Duration.ofMillis(4500));
        for (String key : List.of("OPENTALKING_PROBE_FAILURE_THRESHOLD", "OPENTALKING_PROBE_SUCCESS_THRESHOLD",
                "OPENTALKING_OMNIRT_LISTING_TIMEOUT_MS")) {
            assertThatThrownBy(() -> load(Map.of(key, "0"))).hasMessageContaining(key).hasMessageContaining("'0'");
        }
    }

    @Test
    void settingsWithoutEffectAreWarnedAboutNotDropped() {
        AppConfig c = load(Map.of("OPENTALKING_DEFAULT_MODEL", "Bogus", "OPENTALKING_SLOT_MODELS", "flashtalk,ghost"));
        assertThat(c.defaultModel()).isEmpty();
        assertThat(c.warnings()).hasSize(2);
        assertThat(c.warnings().get(0)).contains("OPENTALKING_DEFAULT_MODEL", "'Bogus'", "not in the model catalog");
        assertThat(c.warnings().get(1)).contains("'ghost'", "OPENTALKING_SLOT_MODELS", "not in the model catalog");
        assertThat(load(Map.of()).warnings()).isEmpty();
    }

    @Test
    void oneTruthyRule() {
        for (String yes : List.of("1", "true", " YES ", "On", "TRUE")) {
            assertThat(Truthy.isTruthy(yes)).as(yes).isTrue();
        }
        for (String no : List.of("", "0", "false", "y", "enabled", "no")) {
            assertThat(Truthy.isTruthy(no)).as(no).isFalse();
        }
        assertThat(Truthy.isTruthy(null)).isFalse();
        assertThat(load(Map.of("OPENTALKING_ACCESS_LOG", " on ")).server().accessLog()).isTrue();
        assertThat(load(Map.of("OPENTALKING_FLASHHEAD_ENABLED", "enabled")).probes().flashheadEnabled()).isFalse();
    }

    @Test
    void invalidYamlIsRefusedWithTheKey() throws IOException {
        Path list = yaml("- a\n- b\n");
        assertThatThrownBy(() -> load(Map.of("OPENTALKING_CONFIG_FILE", list.toString())))
                .isInstanceOf(ConfigException.class).hasMessageContaining("root must be a mapping");
        Path badBackend = yaml("models:\n  musetalk:\n    backend: tpu\n");
        assertThatThrownBy(() -> load(Map.of("OPENTALKING_CONFIG_FILE", badBackend.toString())))
                .hasMessageContaining("models.musetalk.backend").hasMessageContaining("'tpu'");
        Path notMapping = yaml("models:\n  musetalk: omnirt\n");
        assertThatThrownBy(() -> load(Map.of("OPENTALKING_CONFIG_FILE", notMapping.toString())))
                .hasMessageContaining("models.musetalk");
        Path nonStringBackend = yaml("models:\n  musetalk:\n    backend: 3\n");
        assertThatThrownBy(() -> load(Map.of("OPENTALKING_CONFIG_FILE", nonStringBackend.toString())))
                .hasMessageContaining("models.musetalk.backend");
        Path broken = yaml("api: [unclosed\n");
        assertThatThrownBy(() -> load(Map.of("OPENTALKING_CONFIG_FILE", broken.toString())))
                .hasMessageContaining("cannot be read as YAML");
    }

    @Test
    void readinessDefaultsAndSettings() {
        AppConfig d = load(Map.of());
        assertThat(d.readiness().drain()).isEqualTo(ReadinessConfig.DEFAULT_DRAIN).isEqualTo(Duration.ofSeconds(5));
        assertThat(d.readiness().requiresStore()).isFalse();
        AppConfig c = load(Map.of("OPENTALKING_DRAIN_MS", "0", "OPENTALKING_READY_REQUIRES_STORE", " Yes "));
        assertThat(c.readiness().drain()).isZero();
        assertThat(c.readiness().requiresStore()).isTrue();
        assertThatThrownBy(() -> load(Map.of("OPENTALKING_DRAIN_MS", "-1")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("OPENTALKING_DRAIN_MS");
        assertThatThrownBy(() -> new ReadinessConfig(Duration.ofMinutes(11), false))
                .isInstanceOf(ConfigException.class).hasMessageContaining("OPENTALKING_DRAIN_MS");
    }
}
