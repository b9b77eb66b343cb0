package io.opentalking.controlplane.availability;

import io.opentalking.controlplane.config.Backend;

import java.util.Objects;
import java.util.Optional;

/** One model's availability. {@code detail} is a short sentence for people; never a secret. */
public record ModelStatus(String id, Backend backend, boolean connected, Reason reason, Optional<String> detail) {
    public ModelStatus {
        Objects.requireNonNull(id);
        Objects.requireNonNull(backend);
        Objects.requireNonNull(reason);
        Objects.requireNonNull(detail);
    }

    static ModelStatus of(String id, Backend backend, boolean connected, Reason reason, String detail) {
        return new ModelStatus(id, backend, connected, reason, Optional.ofNullable(detail));
    }
}
