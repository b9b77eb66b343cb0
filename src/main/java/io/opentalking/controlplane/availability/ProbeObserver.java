package io.opentalking.controlplane.availability;

import java.time.Duration;

/** Hook for metrics: told about every probe and every snapshot. Must not block. */
public interface ProbeObserver {
    ProbeObserver NONE = new ProbeObserver() {
    };

    default void probed(String kind, Duration took, boolean ok) {
    }

    default void snapshotTaken(ModelsSnapshot snapshot) {
    }
}
