package io.opentalking.controlplane.config;

import io.opentalking.controlplane.json.JsonCodec;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.opentalking.controlplane.config.ConfigSources.Raw;
import io.opentalking.controlplane.config.StoreConfig.StoreMode;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Builds {@link AppConfig} from the environment and the YAML file, once. Precedence: OPENTALKING_* env,
 * legacy unprefixed env, YAML, defaults. Any invalid value throws {@link ConfigException} naming the key.
 */
public final class ConfigLoader {
    /** The seed's catalog, in the seed's order, with the seed's backends. */
    public static final List<String> DEFAULT_CATALOG =
            List.of("mock", "flashtalk", "musetalk", "wav2lip", "flashhead", "quicktalk");
    private static final Map<String, Backend> DEFAULT_BACKENDS = Map.of(
            "mock", Backend.MOCK, "flashtalk", Backend.OMNIRT, "musetalk", Backend.OMNIRT,
            "wav2lip", Backend.OMNIRT, "flashhead", Backend.DIRECT_WS, "quicktalk", Backend.LOCAL,
            "fasterliveportrait", Backend.OMNIRT);
    private static final System.Logger LOG = System.getLogger(ConfigLoader.class.getName());

    private ConfigLoader() {
    }

    /** Loads from the given environment; relative paths resolve as {@link UserPaths} says. */
    public static AppConfig load(Map<String, String> env, Path workDir) {
        UserPaths paths = UserPaths.of(env, workDir);
        Optional<Path> configFile = configFile(env, paths);
        Map<String, Object> yaml = configFile.map(ConfigLoader::readYaml).orElse(Map.of());
        ConfigSources src = new ConfigSources(env, yaml);

        ServerConfig server = new ServerConfig(
                src.find(List.of("OPENTALKING_API_HOST"), "api.host").map(Raw::text).map(String::trim)
                        .orElse(ServerConfig.DEFAULT_HOST),
                intSetting(src, List.of("OPENTALKING_API_PORT"), "api.port", ServerConfig.DEFAULT_PORT),
                corsOrigins(src),
                truthy(src.env("OPENTALKING_ACCESS_LOG")),
                millis(src, "OPENTALKING_SHUTDOWN_GRACE_MS", ServerConfig.DEFAULT_SHUTDOWN_GRACE),
                ServerConfig.DEFAULT_MAX_BODY);

        StoreConfig store = storeConfig(src);
        ProbeConfig probes = probeConfig(src);
        List<ModelSpec> models = catalog(src);
        List<String> warnings = new ArrayList<>();
        List<String> ids = models.stream().map(ModelSpec::id).toList();
        Optional<Raw> rawDefault = src.find(List.of("OPENTALKING_DEFAULT_MODEL"), "model.default_model");
        Optional<String> defaultModel = rawDefault.map(r -> r.text().trim().toLowerCase(Locale.ROOT))
                .filter(ids::contains);
        if (rawDefault.isPresent() && defaultModel.isEmpty()) {
            warnings.add(rawDefault.get().key() + " '" + rawDefault.get().text().trim()
                    + "' is not in the model catalog " + ids + "; default_model is null");
        }
        QueueConfig queue = queueConfig(src);
        for (String slotModel : queue.slotModels().stream().sorted().toList()) {
            if (!ids.contains(slotModel)) {
                warnings.add("slot model '" + slotModel + "' (OPENTALKING_SLOT_MODELS) is not in the model catalog "
                        + ids + "; it never takes a slot");
            }
        }
        LocalRuntimeConfig local = localConfig(src, env, paths);
        Path avatars = src.find(List.of("OPENTALKING_AVATARS_DIR"), "infrastructure.avatars_dir")
                .map(r -> paths.given(r.text())).orElse(paths.byDefault("examples/avatars"));
        Duration sessionTtl = seconds(src, "OPENTALKING_SESSION_TTL_SEC", Duration.ofHours(2));
        AppConfig cfg = new AppConfig(server, store, probes, models, defaultModel, queue, local, avatars, sessionTtl,
                configFile, warnings, limitsConfig(src), readinessConfig(src));
        // Logged here so that every entry point (server, doctor, tests) reports them without remembering to.
        cfg.warnings().forEach(w -> LOG.log(System.Logger.Level.WARNING, "configuration: {0}", w));
        return cfg;
    }

    private static LimitsConfig limitsConfig(ConfigSources src) {
        LimitsConfig d = LimitsConfig.DEFAULTS;
        return new LimitsConfig(
                millis(src, "OPENTALKING_HEADER_TIMEOUT_MS", d.headerTimeout()),
                millis(src, "OPENTALKING_IDLE_TIMEOUT_MS", d.idleTimeout()),
                intSetting(src, List.of("OPENTALKING_MAX_CONNECTIONS"), null, d.maxConnections()),
                intSetting(src, List.of("OPENTALKING_MAX_CONNECTIONS_PER_CLIENT"), null, d.maxConnectionsPerClient()),
                intSetting(src, List.of("OPENTALKING_MAX_EVENT_STREAMS"), null, d.maxEventStreams()),
                intSetting(src, List.of("OPENTALKING_MAX_EVENT_STREAMS_PER_SESSION"), null,
                        d.maxEventStreamsPerSession()),
                intSetting(src, List.of("OPENTALKING_MAX_SESSIONS"), null, d.maxSessions()),
                rate(src, "OPENTALKING_SESSION_RATE", d.sessionRatePerSecond()),
                intSetting(src, List.of("OPENTALKING_SESSION_BURST"), null, d.sessionBurst()),
                seconds(src, "OPENTALKING_SSE_LINGER_SEC", d.streamLinger()));
    }

    private static ReadinessConfig readinessConfig(ConfigSources src) {
        return new ReadinessConfig(millis(src, "OPENTALKING_DRAIN_MS", ReadinessConfig.DEFAULT_DRAIN),
                truthy(src.env("OPENTALKING_READY_REQUIRES_STORE")));
    }

    private static double rate(ConfigSources src, String key, double def) {
        Optional<Raw> raw = src.env(key);
        if (raw.isEmpty()) {
            return def;
        }
        String text = raw.get().text().trim();
        try {
            double v = Double.parseDouble(text);
            if (v > 0 && v <= 1_000_000) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below with the key
        }
        throw ConfigException.invalid(key, text, "expected a number of requests per second above 0");
    }

    private static Optional<Path> configFile(Map<String, String> env, UserPaths paths) {
        for (String key : List.of("OPENTALKING_CONFIG_FILE", "CONFIG_FILE")) {
            String v = env.get(key);
            if (v != null && !v.isBlank()) {
                Path p = paths.given(v);
                if (!Files.isRegularFile(p)) {
                    throw ConfigException.invalid(key, v, "no such file");
                }
                return Optional.of(p);
            }
        }
        Path def = paths.byDefault("configs/default.yaml");
        return Files.isRegularFile(def) ? Optional.of(def) : Optional.empty();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> readYaml(Path file) {
        Object root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readValue(file.toFile(), Object.class);
        } catch (IOException e) {
            throw new ConfigException(file.toString(), "cannot be read as YAML: " + firstLine(e.getMessage()));
        }
        if (root == null) {
            return Map.of();
        }
        if (!(root instanceof Map<?, ?>)) {
            throw new ConfigException(file.toString(), "the YAML root must be a mapping, not "
                    + (root instanceof List<?> ? "a list" : "a scalar"));
        }
        return (Map<String, Object>) root;
    }

    private static List<String> corsOrigins(ConfigSources src) {
        Optional<Raw> raw = src.find(List.of("OPENTALKING_CORS_ORIGINS"), "api.cors_origins");
        if (raw.isEmpty()) {
            return List.of("*");
        }
        Object v = raw.get().value();
        List<String> items = new ArrayList<>();
        if (v instanceof List<?> list) {
            list.forEach(o -> items.add(String.valueOf(o)));
        } else {
            String s = v.toString().trim();
            if (s.startsWith("[")) {
                try {
                    items.addAll(Arrays.asList(JsonCodec.MAPPER.readValue(s, String[].class)));
                } catch (IOException e) {
                    throw ConfigException.invalid(raw.get().key(), s, "expected '*', a comma list or a JSON array");
                }
            } else {
                items.addAll(Arrays.asList(s.split(",")));
            }
        }
        List<String> out = items.stream().map(String::trim).filter(x -> !x.isEmpty()).distinct().toList();
        return out.contains("*") ? List.of("*") : out;
    }

    private static StoreConfig storeConfig(ConfigSources src) {
        Optional<Raw> url = src.find(List.of("OPENTALKING_REDIS_URL"), "infrastructure.redis_url");
        Optional<Raw> mode = src.env("OPENTALKING_REDIS_MODE");
        StoreMode m;
        if (mode.isPresent()) {
            m = switch (mode.get().text().trim().toLowerCase(Locale.ROOT)) {
                case "memory" -> StoreMode.MEMORY;
                case "redis" -> StoreMode.REDIS;
                default -> throw ConfigException.invalid(mode.get().key(), mode.get().text(), "expected memory or redis");
            };
        } else {
            m = url.isPresent() ? StoreMode.REDIS : StoreMode.MEMORY;
        }
        Optional<URI> redis = Optional.empty();
        if (m == StoreMode.REDIS) {
            Raw r = url.orElse(new Raw("OPENTALKING_REDIS_URL", "redis://127.0.0.1:6379/0"));
            // StoreConfig checks the rest: a Sentinel URL's authority is a host list URI does not call a host.
            URI u = parseUri(r, StoreConfig.REDIS_SCHEMES, false);
            redis = Optional.of(u);
        }
        return new StoreConfig(m, redis,
                millis(src, "OPENTALKING_REDIS_TIMEOUT_MS", StoreConfig.DEFAULT_READ_TIMEOUT),
                millis(src, "OPENTALKING_REDIS_COMMAND_TIMEOUT_MS", StoreConfig.DEFAULT_COMMAND_TIMEOUT),
                millis(src, "OPENTALKING_REDIS_CONNECT_TIMEOUT_MS", StoreConfig.DEFAULT_CONNECT_TIMEOUT),
                millis(src, "OPENTALKING_REDIS_WAIT_MS", StoreConfig.DEFAULT_REPLICA_ACK_TIMEOUT));
    }

    private static ProbeConfig probeConfig(ConfigSources src) {
        Optional<URI> endpoint = src.find(List.of("OPENTALKING_OMNIRT_ENDPOINT", "OMNIRT_ENDPOINT"), "omnirt_endpoint")
                .map(r -> parseUri(r, ProbeConfig.OMNIRT_SCHEMES));
        Optional<String> key = src.find(List.of("OPENTALKING_OMNIRT_API_KEY", "OMNIRT_API_KEY"), "omnirt_api_key")
                .map(r -> r.text().trim()).filter(s -> !s.isEmpty());
        String modelsPath = src.find(List.of("OPENTALKING_OMNIRT_AUDIO2VIDEO_MODELS_PATH",
                        "OMNIRT_AUDIO2VIDEO_MODELS_PATH"), "omnirt_audio2video_models_path")
                .map(r -> r.text().trim()).orElse(ProbeConfig.DEFAULT_MODELS_PATH);
        String avatarPath = src.find(List.of("OPENTALKING_OMNIRT_AVATAR_MODELS_PATH"), "omnirt_avatar_models_path")
                .map(r -> r.text().trim()).orElse(ProbeConfig.DEFAULT_AVATAR_MODELS_PATH);
        Optional<String> flashtalkWs = wsUrl(src.find(List.of("OPENTALKING_FLASHTALK_WS_URL", "FLASHTALK_WS_URL"),
                "flashtalk.ws_url"));
        Duration timeout = millis(src, "OPENTALKING_PROBE_TIMEOUT_MS", ProbeConfig.DEFAULT_TIMEOUT);
        // Unset, the period follows a longer probe timeout instead of turning the default into an error.
        Duration refreshDefault = timeout.compareTo(ProbeConfig.DEFAULT_REFRESH) > 0 ? timeout : ProbeConfig.DEFAULT_REFRESH;
        return new ProbeConfig(timeout,
                millis(src, "OPENTALKING_MODELS_REFRESH_MS", refreshDefault),
                millis(src, "OPENTALKING_OMNIRT_LISTING_TIMEOUT_MS", ProbeConfig.DEFAULT_OMNIRT_LISTING_TIMEOUT),
                intSetting(src, List.of("OPENTALKING_PROBE_FAILURE_THRESHOLD"), null,
                        ProbeConfig.DEFAULT_FAILURE_THRESHOLD),
                intSetting(src, List.of("OPENTALKING_PROBE_SUCCESS_THRESHOLD"), null,
                        ProbeConfig.DEFAULT_SUCCESS_THRESHOLD),
                endpoint, key, modelsPath, avatarPath, flashtalkWs,
                truthy(src.env("OPENTALKING_FLASHHEAD_ENABLED")));
    }

    private static List<ModelSpec> catalog(ConfigSources src) {
        Map<String, Object> yamlModels = src.yamlModels();
        List<String> ids = new ArrayList<>(DEFAULT_CATALOG);
        for (String id : yamlModels.keySet()) {
            String norm = id.trim().toLowerCase(Locale.ROOT);
            if (!ids.contains(norm)) {
                ids.add(norm);
            }
        }
        List<ModelSpec> out = new ArrayList<>();
        for (String id : ids) {
            Map<?, ?> section = modelSection(yamlModels, id);
            Backend backend = DEFAULT_BACKENDS.getOrDefault(id, Backend.LOCAL);
            Object yamlBackend = section.get("backend");
            if (yamlBackend != null) {
                String key = "models." + id + ".backend";
                if (!(yamlBackend instanceof String s)) {
                    throw ConfigException.invalid(key, String.valueOf(yamlBackend), "expected one of " + Backend.allowed());
                }
                backend = Backend.parse(s).orElseThrow(() ->
                        ConfigException.invalid(key, s, "expected one of " + Backend.allowed()));
            }
            String envKey = ConfigSources.envModelKey(id, "BACKEND");
            Optional<Raw> envBackend = src.env(envKey);
            if (envBackend.isPresent()) {
                String v = envBackend.get().text();
                backend = Backend.parse(v).orElseThrow(() ->
                        ConfigException.invalid(envKey, v.trim(), "expected one of " + Backend.allowed()));
            }
            Optional<String> ws = wsUrl(modelWsUrl(src, id, section));
            out.add(new ModelSpec(id, backend, ws));
        }
        return out;
    }

    private static Map<?, ?> modelSection(Map<String, Object> yamlModels, String id) {
        for (Map.Entry<String, Object> e : yamlModels.entrySet()) {
            if (e.getKey().trim().toLowerCase(Locale.ROOT).equals(id)) {
                if (e.getValue() == null) {
                    return Map.of();
                }
                if (!(e.getValue() instanceof Map<?, ?> m)) {
                    throw new ConfigException("models." + e.getKey(), "must be a mapping (backend, ws_url)");
                }
                return m;
            }
        }
        return Map.of();
    }

    private static Optional<Raw> modelWsUrl(ConfigSources src, String id, Map<?, ?> section) {
        Optional<Raw> env = src.env(ConfigSources.envModelKey(id, "WS_URL"));
        if (env.isPresent()) {
            return env;
        }
        if (id.equals("flashhead") || id.equals("flashtalk")) {
            Optional<Raw> legacy = src.env(id.toUpperCase(Locale.ROOT) + "_WS_URL");
            if (legacy.isPresent()) {
                return legacy;
            }
        }
        Object v = section.get("ws_url");
        if (v != null && !v.toString().isBlank()) {
            return Optional.of(new Raw("models." + id + ".ws_url", v));
        }
        if (id.equals("flashhead") || id.equals("flashtalk")) {
            return src.find(List.of(), id + ".ws_url");
        }
        return Optional.empty();
    }

    private static Optional<String> wsUrl(Optional<Raw> raw) {
        return raw.map(r -> parseUri(r, Set.of("ws", "wss")).toString());
    }

    private static QueueConfig queueConfig(ConfigSources src) {
        int slots = intSetting(src, List.of("OPENTALKING_FLASHTALK_SLOTS"), null, QueueConfig.DEFAULT_SLOTS);
        int maxQueue = intSetting(src, List.of("OPENTALKING_FLASHTALK_MAX_QUEUE_SIZE"), null,
                QueueConfig.DEFAULT_MAX_QUEUE);
        Duration timeout = seconds(src, "OPENTALKING_FLASHTALK_SLOT_TIMEOUT_SEC", QueueConfig.DEFAULT_SLOT_TIMEOUT);
        Duration maxSession = seconds(src, "OPENTALKING_FLASHTALK_MAX_SESSION_SEC", QueueConfig.DEFAULT_MAX_SESSION);
        Duration lease = millis(src, "OPENTALKING_QUEUE_LEASE_MS", QueueConfig.DEFAULT_LEASE);
        Set<String> slotModels = new LinkedHashSet<>();
        Optional<Raw> raw = src.env("OPENTALKING_SLOT_MODELS");
        if (raw.isPresent()) {
            for (String s : raw.get().text().split(",")) {
                if (!s.isBlank()) {
                    slotModels.add(s.trim().toLowerCase(Locale.ROOT));
                }
            }
        } else {
            slotModels.addAll(List.of("flashtalk", "flashhead"));
        }
        Duration sweep = millis(src, "OPENTALKING_QUEUE_SWEEP_MS", QueueConfig.DEFAULT_SWEEP);
        return new QueueConfig(slots, maxQueue, timeout, maxSession, slotModels, lease,
                QueueConfig.DEFAULT_EXPIRING_NOTICE, sweep);
    }

    private static LocalRuntimeConfig localConfig(ConfigSources src, Map<String, String> env, UserPaths paths) {
        Path modelRoot = src.env("OPENTALKING_MODEL_ROOT").map(r -> paths.given(r.text()))
                .or(() -> src.env("DIGITAL_HUMAN_HOME").map(r -> paths.given(r.text()).resolve("models")))
                .orElse(paths.byDefault("models"));
        Path quicktalk = path(src, paths, "OPENTALKING_QUICKTALK_ASSET_ROOT").orElse(modelRoot.resolve("quicktalk"));
        String torchDevice = src.env("OPENTALKING_TORCH_DEVICE").map(r -> r.text().trim()).orElse("cpu");
        String quicktalkDevice = src.env("OPENTALKING_QUICKTALK_DEVICE").map(r -> r.text().trim())
                .filter(d -> !d.equalsIgnoreCase("auto")).orElse(torchDevice);
        String hubert = src.env("OPENTALKING_QUICKTALK_HUBERT_DEVICE").map(r -> r.text().trim()).orElse("");
        Path wav2lip = path(src, paths, "OPENTALKING_WAV2LIP_MODEL_ROOT").orElse(modelRoot.resolve("wav2lip"));
        Optional<Path> checkpoint = path(src, paths, "OPENTALKING_WAV2LIP_CHECKPOINT");
        String wav2lipDevice = src.env("OPENTALKING_WAV2LIP_DEVICE").map(r -> r.text().trim()).orElse("cpu");
        Path musetalk = path(src, paths, "OPENTALKING_MUSETALK_MODEL_ROOT").orElse(modelRoot);
        String musetalkDevice = src.env("OPENTALKING_MUSETALK_DEVICE").map(r -> r.text().trim()).orElse(torchDevice);
        Path nvidia = path(src, paths, "OPENTALKING_NVIDIA_DRIVER_MARKER")
                .orElse(Path.of("/proc/driver/nvidia/version"));
        return new LocalRuntimeConfig(modelRoot, quicktalk, quicktalkDevice, hubert, wav2lip, checkpoint,
                wav2lipDevice, truthy(src.env("OPENTALKING_WAV2LIP_LEGACY_LOCAL_FALLBACK")), musetalk,
                musetalkDevice, nvidia);
    }

    private static Optional<Path> path(ConfigSources src, UserPaths paths, String key) {
        return src.env(key).map(r -> paths.given(r.text()));
    }

    private static boolean truthy(Optional<Raw> raw) {
        return raw.map(r -> Truthy.isTruthy(r.text())).orElse(false);
    }

    /** Parses a whole number; its range is the record's business. */
    private static int intSetting(ConfigSources src, List<String> envNames, String yamlPath, int def) {
        Optional<Raw> raw = src.find(envNames, yamlPath);
        if (raw.isEmpty()) {
            return def;
        }
        String text = raw.get().text().trim();
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw ConfigException.invalid(raw.get().key(), text, "expected a whole number");
        }
    }

    private static Duration millis(ConfigSources src, String key, Duration def) {
        return Duration.ofMillis(intSetting(src, List.of(key), null, (int) def.toMillis()));
    }

    private static Duration seconds(ConfigSources src, String key, Duration def) {
        return Duration.ofSeconds(intSetting(src, List.of(key), null, (int) def.toSeconds()));
    }

    private static URI parseUri(Raw raw, Set<String> schemes) {
        return parseUri(raw, schemes, true);
    }

    private static URI parseUri(Raw raw, Set<String> schemes, boolean needsHost) {
        String text = raw.text().trim();
        URI u;
        try {
            u = new URI(text);
        } catch (URISyntaxException e) {
            // Never echo a password, and not the parser's message either: it quotes the whole input.
            throw ConfigException.invalid(raw.key(), Redact.url(text), "not a valid URL");
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!schemes.contains(scheme) || (needsHost && u.getHost() == null)) {
            throw ConfigException.invalid(raw.key(), Redact.url(text),
                    "expected a URL with a host and scheme " + String.join(", ", schemes.stream().sorted().toList()));
        }
        return u;
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }

}
