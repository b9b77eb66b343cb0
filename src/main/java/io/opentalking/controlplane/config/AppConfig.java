package io.opentalking.controlplane.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The whole configuration, parsed and validated once at start-up. {@code warnings} are settings that were
 * accepted but have no effect (an unknown default model, a slot model not in the catalog): the server logs
 * them and {@code doctor} prints them, so they are never dropped silently.
 */
public record AppConfig(ServerConfig server, StoreConfig store, ProbeConfig probes, List<ModelSpec> models,
                        Optional<String> defaultModel, QueueConfig queue, LocalRuntimeConfig local,
                        Path avatarsDir, Duration sessionTtl, Optional<Path> configFile, List<String> warnings,
                        LimitsConfig limits, ReadinessConfig readiness) {
    public AppConfig {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(probes, "probes");
        Objects.requireNonNull(queue, "queue");
        Objects.requireNonNull(local, "local");
        Objects.requireNonNull(avatarsDir, "avatarsDir");
        Objects.requireNonNull(configFile, "configFile");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(readiness, "readiness");
        models = List.copyOf(models);
        warnings = List.copyOf(warnings);
        List<String> ids = models.stream().map(ModelSpec::id).toList();
        if (ids.stream().distinct().count() != ids.size()) {
            throw new ConfigException("models", "a model id appears twice: " + ids);
        }
        if (defaultModel.isPresent() && !ids.contains(defaultModel.get())) {
            throw ConfigException.invalid("OPENTALKING_DEFAULT_MODEL", defaultModel.get(),
                    "expected one of " + ids);
        }
        Check.secondsAtLeast("OPENTALKING_SESSION_TTL_SEC", sessionTtl, 0);
    }

    public Optional<ModelSpec> model(String id) {
        return models.stream().filter(m -> m.id().equals(id)).findFirst();
    }
}
