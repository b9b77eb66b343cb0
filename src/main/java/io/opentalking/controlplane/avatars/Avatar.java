package io.opentalking.controlplane.avatars;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** A parsed avatar bundle. {@code id} is the directory name, the one identifier used everywhere. */
public record Avatar(String id, Optional<String> name, String modelType, int fps, int sampleRate, int width,
                     int height, String version, Map<String, Object> metadata, Path directory) {
    public Avatar {
        metadata = Map.copyOf(metadata);
    }

    public boolean hidden() {
        Object h = metadata.get("hidden");
        return h instanceof Boolean b ? b : h != null && io.opentalking.controlplane.config.Truthy.isTruthy(String.valueOf(h));
    }

    public Optional<Path> preview() {
        Path p = directory.resolve("preview.png");
        return java.nio.file.Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }
}
