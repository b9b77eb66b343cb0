package io.opentalking.controlplane.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The whole configuration, parsed and validated once at start-up. */
public record AppConfig(ServerConfig server, StoreConfig store, ProbeConfig probes, List<ModelSpec> models,
                        Optional<String> defaultModel, QueueConfig queue, LocalRuntimeConfig local,
                        Path avatarsDir, Duration sessionTtl, Optional<Path> configFile, LimitsConfig limits) {
    public AppConfig {
        models = List.copyOf(models);
    }

    public Optional<ModelSpec> model(String id) {
        return models.stream().filter(m -> m.id().equals(id)).findFirst();
    }
}
