package io.opentalking.controlplane.config;

import java.time.Duration;
import java.util.List;

/** HTTP listener settings. */
public record ServerConfig(String host, int port, List<String> corsOrigins, boolean accessLog,
                           Duration shutdownGrace, int maxRequestBodyBytes) {
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8000;
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(10);
    public static final int DEFAULT_MAX_BODY = 64 * 1024;

    public ServerConfig {
        corsOrigins = List.copyOf(corsOrigins);
    }
}
