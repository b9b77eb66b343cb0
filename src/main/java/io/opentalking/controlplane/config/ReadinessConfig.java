package io.opentalking.controlplane.config;

import java.time.Duration;

/**
 * When this replica tells a load balancer to send it traffic ({@code GET /readyz}) and how it leaves. Validates
 * itself; an invalid value throws {@link ConfigException} naming the setting.
 *
 * @param drain         after SIGTERM, how long every route except {@code /readyz} is still served before the
 *                      shutdown starts, so a load balancer has time to notice the failing readiness
 * @param requiresStore whether an unreachable store makes the replica unready; off by default because every
 *                      replica shares one store, so failing them all at once turns a partial outage into a total one
 */
public record ReadinessConfig(Duration drain, boolean requiresStore) {
    public static final Duration DEFAULT_DRAIN = Duration.ofMillis(5000);
    /** A drain longer than this would outlast any sensible termination grace period. */
    static final long MAX_DRAIN_MS = 600_000;

    public static final ReadinessConfig DEFAULTS = new ReadinessConfig(DEFAULT_DRAIN, false);

    public ReadinessConfig {
        Check.millisAtLeast("OPENTALKING_DRAIN_MS", drain, 0);
        if (drain.toMillis() > MAX_DRAIN_MS) {
            throw ConfigException.invalid("OPENTALKING_DRAIN_MS", Long.toString(drain.toMillis()),
                    "expected at most " + MAX_DRAIN_MS + " ms");
        }
    }
}
