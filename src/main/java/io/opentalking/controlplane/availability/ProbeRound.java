package io.opentalking.controlplane.availability;

import java.util.List;
import java.util.function.Consumer;

/** One probe round, bounded by the probe timeout; statuses of probes still running then are handed to {@code late}. */
@FunctionalInterface
public interface ProbeRound {
    ModelsSnapshot probe(Consumer<List<ModelStatus>> late);
}
