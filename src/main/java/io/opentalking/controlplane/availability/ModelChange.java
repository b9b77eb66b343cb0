package io.opentalking.controlplane.availability;

import java.time.Instant;
import java.util.Objects;

/** A model's published status changed: its whole new status and when the snapshot holding it was taken. */
public record ModelChange(ModelStatus status, Instant takenAt) {
    public ModelChange {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(takenAt, "takenAt");
    }
}
