package io.opentalking.controlplane.config;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/** Where shared state lives: the embedded memory store or Redis. */
public record StoreConfig(StoreMode mode, Optional<URI> redisUrl, Duration readTimeout, Duration commandTimeout,
                          Duration connectTimeout) {
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofMillis(250);
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofMillis(1000);
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofMillis(1000);

    public enum StoreMode { MEMORY, REDIS }

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
}
