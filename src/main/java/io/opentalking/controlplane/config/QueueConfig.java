package io.opentalking.controlplane.config;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * The GPU slot pool. Zero durations mean "no limit", as upstream; maxQueueSize 0 means unlimited.
 * Validates itself; an invalid value throws {@link ConfigException} naming the setting.
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
    /** Below this a holder cannot renew reliably between two sweeps on a loaded machine. */
    public static final Duration MIN_LEASE = Duration.ofMillis(300);

    public QueueConfig {
        Check.range("OPENTALKING_FLASHTALK_SLOTS", slots, 1, 1024);
        Check.range("OPENTALKING_FLASHTALK_MAX_QUEUE_SIZE", maxQueueSize, 0, 1_000_000);
        Check.secondsAtLeast("OPENTALKING_FLASHTALK_SLOT_TIMEOUT_SEC", slotTimeout, 0);
        Check.secondsAtLeast("OPENTALKING_FLASHTALK_MAX_SESSION_SEC", maxSession, 0);
        Objects.requireNonNull(lease, "lease");
        if (lease.compareTo(MIN_LEASE) < 0) {
            throw ConfigException.invalid("OPENTALKING_QUEUE_LEASE_MS", Long.toString(lease.toMillis()),
                    "a lease shorter than " + MIN_LEASE.toMillis() + " ms cannot be renewed reliably");
        }
        Check.secondsAtLeast("expiring notice", expiringNotice, 0);
        Check.millisAtLeast("OPENTALKING_QUEUE_SWEEP_MS", sweepInterval, 1);
        slotModels = Set.copyOf(slotModels);
    }

    public boolean isSlotModel(String model) {
        return slotModels.contains(model);
    }
}
