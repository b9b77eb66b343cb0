package io.opentalking.controlplane.config;

import java.util.Objects;
import java.util.Optional;

/** One catalog entry: model id (lower-case), its backend and, for direct_ws, its ws url. */
public record ModelSpec(String id, Backend backend, Optional<String> wsUrl) {
    public ModelSpec {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(wsUrl, "wsUrl");
    }
}
