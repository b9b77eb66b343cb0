package io.opentalking.controlplane.config;

import java.time.Duration;
import java.util.Set;

/**
 * The GPU slot pool. Zero durations mean "no limit", as upstream; maxQueueSize 0 means unlimited.
 */
public record QueueConfig(int slots, int maxQueueSize, Duration slotTimeout, Duration maxSession,
                          Set<String> slotModels, Duration lease, Duration expiringNotice, Duration sweepInterval) {
    public static final int DEFAULT_SLOTS = 1;
    public static final int DEFAULT_MAX_QUEUE = 3;
    public static final Duration DEFAULT_SLOT_TIMEOUT = Duration.ofSeconds(3600);
    public static final Duration DEFAULT_MAX_SESSION = Duration.ofSeconds(600);
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(15);
    public static final Duration DEFAULT_EXPIRING_NOTICE = Duration.ofSeconds(60);
    public static final Duration DEFAULT_SWEEP = Duration.ofMillis(500);

    public QueueConfig {
        slotModels = Set.copyOf(slotModels);
    }

    public boolean isSlotModel(String model) {
        return slotModels.contains(model);
    }
}
