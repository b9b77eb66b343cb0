package io.opentalking.controlplane.availability;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The result of one probe round, shared by every reader until the next round replaces it. {@code pending} names
 * the models whose probe was still running when it was taken (the OmniRT listing has a longer budget than the
 * round); their statuses come in later through {@link #withLateStatuses}.
 */
public record ModelsSnapshot(List<ModelStatus> statuses, Optional<String> defaultModel, Instant takenAt,
                             Duration roundDuration, Set<String> pending) {
    public ModelsSnapshot {
        statuses = List.copyOf(statuses);
        pending = Set.copyOf(pending);
    }

    public ModelsSnapshot(List<ModelStatus> statuses, Optional<String> defaultModel, Instant takenAt,
                          Duration roundDuration) {
        this(statuses, defaultModel, takenAt, roundDuration, Set.of());
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

    /** This snapshot with the late statuses in place of the pending ones, taken at {@code at}. */
    ModelsSnapshot withLateStatuses(List<ModelStatus> late, Instant at) {
        Map<String, ModelStatus> byId = late.stream().collect(Collectors.toMap(ModelStatus::id, Function.identity()));
        Set<String> stillPending = new HashSet<>(pending);
        stillPending.removeAll(byId.keySet());
        return new ModelsSnapshot(statuses.stream().map(s -> byId.getOrDefault(s.id(), s)).toList(), defaultModel,
                at, roundDuration, stillPending);
    }
}
