package io.opentalking.controlplane.availability;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The result of one probe round, shared by every reader until the next round replaces it. */
public record ModelsSnapshot(List<ModelStatus> statuses, Optional<String> defaultModel, Instant takenAt,
                             Duration roundDuration) {
    public ModelsSnapshot {
        statuses = List.copyOf(statuses);
    }

    public List<String> modelIds() {
        return statuses.stream().map(ModelStatus::id).toList();
    }

    public List<String> connectedIds() {
        return statuses.stream().filter(ModelStatus::connected).map(ModelStatus::id).toList();
    }

    public Optional<ModelStatus> status(String id) {
        return statuses.stream().filter(s -> s.id().equals(id)).findFirst();
    }

    public Duration age(Instant now) {
        return Duration.between(takenAt, now);
    }
}
