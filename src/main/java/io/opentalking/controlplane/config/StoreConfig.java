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
                          Duration connectTimeout) {
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofMillis(250);
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofMillis(1000);
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofMillis(1000);
    public static final Set<String> REDIS_SCHEMES = Set.of("redis", "rediss");

    public enum StoreMode { MEMORY, REDIS }

    public StoreConfig {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(redisUrl, "redisUrl");
        if (mode == StoreMode.REDIS) {
            URI u = redisUrl.orElseThrow(() -> new ConfigException("OPENTALKING_REDIS_URL", "required in redis mode"));
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            if (!REDIS_SCHEMES.contains(scheme) || u.getHost() == null) {
                throw ConfigException.invalid("OPENTALKING_REDIS_URL", Redact.url(u),
                        "expected a URL with a host and scheme rediss, redis");
            }
        }
        Check.millisAtLeast("OPENTALKING_REDIS_TIMEOUT_MS", readTimeout, 1);
        Check.millisAtLeast("OPENTALKING_REDIS_COMMAND_TIMEOUT_MS", commandTimeout, 1);
        Check.millisAtLeast("OPENTALKING_REDIS_CONNECT_TIMEOUT_MS", connectTimeout, 1);
    }

    /** The Redis url without its password, for logs and banners. */
    public String describe() {
        if (mode == StoreMode.MEMORY) {
            return "memory (embedded, single replica)";
        }
        URI u = redisUrl.orElseThrow();
        String auth = u.getUserInfo() == null ? "" : "***@";
        return "redis " + u.getScheme() + "://" + auth + u.getHost() + (u.getPort() > 0 ? ":" + u.getPort() : "")
                + (u.getPath() == null ? "" : u.getPath());
    }

    @Override
    public String toString() {
        return "StoreConfig[mode=" + mode + ", redisUrl=" + Redact.url(redisUrl) + ", readTimeout=" + readTimeout
                + ", commandTimeout=" + commandTimeout + ", connectTimeout=" + connectTimeout + "]";
    }
}
