package io.opentalking.controlplane.sessions;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/** One session record. {@code options} holds the optional request fields (tts_provider, ...). */
public record Session(String id, String model, String avatarId, SessionState state, Instant createdAt,
                      Instant updatedAt, String stateReason, Map<String, String> options) {
    public Session {
        Objects.requireNonNull(id);
        Objects.requireNonNull(state);
        options = Map.copyOf(options);
        stateReason = stateReason == null ? "" : stateReason;
    }

    public Session withState(SessionState s, Instant at, String reason) {
        return new Session(id, model, avatarId, s, createdAt, at, reason, options);
    }
}
