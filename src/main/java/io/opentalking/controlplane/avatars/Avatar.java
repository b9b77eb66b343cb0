package io.opentalking.controlplane.avatars;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * A parsed avatar bundle. {@code id} is the directory name, the one identifier used everywhere; {@code preview}
 * is the real path of its {@code preview.png}, present only when that file resolves inside the avatars directory.
 */
public record Avatar(String id, Optional<String> name, String modelType, int fps, int sampleRate, int width,
                     int height, String version, Map<String, Object> metadata, Path directory,
                     Optional<Path> preview) {
    public Avatar {
        metadata = Map.copyOf(metadata);
    }

    public boolean hidden() {
        Object h = metadata.get("hidden");
        return h instanceof Boolean b ? b : h != null && io.opentalking.controlplane.config.Truthy.isTruthy(String.valueOf(h));
    }

    Avatar withPreview(Optional<Path> file) {
        return new Avatar(id, name, modelType, fps, sampleRate, width, height, version, metadata, directory, file);
    }
}
