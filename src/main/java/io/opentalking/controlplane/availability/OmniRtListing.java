package io.opentalking.controlplane.availability;

import java.util.Set;

/** The set of models an OmniRT server says it serves, or why it could not be read. */
sealed interface OmniRtListing {
    record Listed(Set<String> models, String source) implements OmniRtListing {
    }

    record Unavailable(String detail) implements OmniRtListing {
    }
}
