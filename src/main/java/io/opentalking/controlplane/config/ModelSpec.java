package io.opentalking.controlplane.config;

import java.util.Objects;
import java.util.Optional;

/** One catalog entry: model id (lower-case), its backend and, for direct_ws, its ws url (may hold user info). */
public record ModelSpec(String id, Backend backend, Optional<String> wsUrl) {
    public ModelSpec {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(wsUrl, "wsUrl");
        if (!id.matches("[a-z0-9][a-z0-9_-]*")) {
            throw ConfigException.invalid("models." + id, id, "a model id is letters, digits, '-' and '_'");
        }
    }

    @Override
    public String toString() {
        return "ModelSpec[id=" + id + ", backend=" + backend.wireName() + ", wsUrl="
                + wsUrl.map(Redact::url).orElse("unset") + "]";
    }
}
