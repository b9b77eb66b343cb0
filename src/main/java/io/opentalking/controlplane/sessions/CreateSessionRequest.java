package io.opentalking.controlplane.sessions;

import java.util.Map;

/** A validated-shape create request; {@code options} holds the optional string fields that were sent. */
public record CreateSessionRequest(String avatarId, String model, Map<String, String> options) {
    public CreateSessionRequest {
        options = Map.copyOf(options);
    }
}
