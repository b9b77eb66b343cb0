package io.opentalking.controlplane.config;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Where shared state lives: the embedded memory store or Redis. The Redis URL may hold a password, so
 * {@link #toString()} and {@link #describe()} show it redacted. Validates itself.
 */
public record StoreConfig(StoreMode mode, Optional<URI> redisUrl, Duration readTimeout, Duration commandTimeout,
                          Duration connectTimeout, Duration replicaAckTimeout) {
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofMillis(250);
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofMillis(1000);
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofMillis(1000);
    /** How long a grant waits for a replica to acknowledge it ({@code WAIT 1}); 0 = do not wait. */
    public static final Duration DEFAULT_REPLICA_ACK_TIMEOUT = Duration.ofMillis(500);
    public static final Set<String> SENTINEL_SCHEMES = Set.of("redis-sentinel", "rediss-sentinel");
    public static final Set<String> REDIS_SCHEMES = Set.of("redis", "rediss", "redis-sentinel", "rediss-sentinel");

    public enum StoreMode { MEMORY, REDIS }

    public StoreConfig {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(redisUrl, "redisUrl");
        if (mode == StoreMode.REDIS) {
            URI u = redisUrl.orElseThrow(() -> new ConfigException("OPENTALKING_REDIS_URL", "required in redis mode"));
            String problem = problem(u);
            if (problem != null) {
                throw ConfigException.invalid("OPENTALKING_REDIS_URL", Redact.url(u), problem);
            }
        }
        Check.millisAtLeast("OPENTALKING_REDIS_TIMEOUT_MS", readTimeout, 1);
        Check.millisAtLeast("OPENTALKING_REDIS_COMMAND_TIMEOUT_MS", commandTimeout, 1);
        Check.millisAtLeast("OPENTALKING_REDIS_CONNECT_TIMEOUT_MS", connectTimeout, 1);
        Check.millisAtLeast("OPENTALKING_REDIS_WAIT_MS", replicaAckTimeout, 0);
    }

    /** With the default replica acknowledgement timeout. */
    public StoreConfig(StoreMode mode, Optional<URI> redisUrl, Duration readTimeout, Duration commandTimeout,
                       Duration connectTimeout) {
        this(mode, redisUrl, readTimeout, commandTimeout, connectTimeout, DEFAULT_REPLICA_ACK_TIMEOUT);
    }

    /** What is wrong with a Redis URL, or null. A Sentinel URL lists hosts ({@link URI} sees no host) and a master. */
    private static String problem(URI u) {
        String scheme = scheme(u);
        if (!REDIS_SCHEMES.contains(scheme)) {
            return "expected a URL with scheme redis, rediss, redis-sentinel or rediss-sentinel";
        }
        if (SENTINEL_SCHEMES.contains(scheme)) {
            if (hosts(u).isEmpty()) {
                return "expected redis-sentinel://host1:port1,host2:port2/0#master with at least one host";
            }
            boolean master = (u.getFragment() != null && !u.getFragment().isBlank())
                    || (u.getQuery() != null && u.getQuery().contains("sentinelMasterId="));
            return master ? null : "a Sentinel URL names its master: redis-sentinel://host:port/0#mymaster";
        }
        return u.getHost() == null ? "expected a URL with a host" : null;
    }

    private static String scheme(URI u) {
        return u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    }

    /** host[:port] or, for Sentinel, the comma-separated list; never the user info. */
    private static String hosts(URI u) {
        String auth = u.getRawAuthority() == null ? "" : u.getRawAuthority();
        return auth.substring(auth.lastIndexOf('@') + 1);
    }

    /** Whether the URL names Sentinels rather than Redis itself. */
    public boolean isSentinel() {
        return redisUrl.map(u -> SENTINEL_SCHEMES.contains(scheme(u))).orElse(false);
    }

    /** The Redis url without its password, for logs and banners. */
    public String describe() {
        if (mode == StoreMode.MEMORY) {
            return "memory (embedded, single replica)";
        }
        URI u = redisUrl.orElseThrow();
        String auth = u.getRawUserInfo() == null ? "" : "***@";
        String master = u.getFragment() == null ? "" : "#" + u.getFragment();
        return "redis " + u.getScheme() + "://" + auth + hosts(u) + (u.getPath() == null ? "" : u.getPath()) + master;
    }

    @Override
    public String toString() {
        return "StoreConfig[mode=" + mode + ", redisUrl=" + Redact.url(redisUrl) + ", readTimeout=" + readTimeout
                + ", commandTimeout=" + commandTimeout + ", connectTimeout=" + connectTimeout + ", replicaAckTimeout=" + replicaAckTimeout + "]";
    }
}
