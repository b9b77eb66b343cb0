package io.opentalking.controlplane.availability;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The set of models an OmniRT server says it serves, or why it could not be read. */
sealed interface OmniRtListing {
    /**
     * @param models the connected model ids
     * @param reasons OmniRT's own reason per model id ({@code proxy}, {@code resident_runtime},
     *                {@code runtime_not_enabled}, ...), from {@code statuses[].reason}, where it gives one
     * @param source the URL that answered, without user info
     */
    record Listed(Set<String> models, Map<String, String> reasons, String source) implements OmniRtListing {
        public Listed {
            models = Set.copyOf(models);
            reasons = Map.copyOf(reasons);
        }

        Optional<String> reason(String model) {
            return Optional.ofNullable(reasons.get(model));
        }
    }

    record Unavailable(String detail) implements OmniRtListing {
    }
}
