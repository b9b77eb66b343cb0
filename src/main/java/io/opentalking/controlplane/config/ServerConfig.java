package io.opentalking.controlplane.config;

import java.time.Duration;
import java.util.List;

/** HTTP listener settings. Validates itself; an invalid value throws {@link ConfigException} naming the setting. */
public record ServerConfig(String host, int port, List<String> corsOrigins, boolean accessLog,
                           Duration shutdownGrace, int maxRequestBodyBytes) {
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8000;
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(10);
    public static final int DEFAULT_MAX_BODY = 64 * 1024;

    public ServerConfig {
        if (host == null || host.isBlank()) {
            throw ConfigException.invalid("OPENTALKING_API_HOST", String.valueOf(host), "expected a host name or address");
        }
        Check.range("OPENTALKING_API_PORT", port, 0, 65535);
        corsOrigins = List.copyOf(corsOrigins);
        for (String o : corsOrigins) {
            if (!o.equals("*") && !(o.startsWith("http://") || o.startsWith("https://"))) {
                throw ConfigException.invalid("OPENTALKING_CORS_ORIGINS", o,
                        "an origin is '*' or starts with http:// or https://");
            }
        }
        Check.millisAtLeast("OPENTALKING_SHUTDOWN_GRACE_MS", shutdownGrace, 0);
        Check.range("max request body bytes", maxRequestBodyBytes, 1, Integer.MAX_VALUE);
    }
}
