package io.opentalking.controlplane.config;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/** Model availability probing: endpoints, auth and time bounds. The api key is a secret: never log it. */
public record ProbeConfig(Duration timeout, Duration refreshInterval, Optional<URI> omnirtEndpoint,
                          Optional<String> omnirtApiKey, String omnirtModelsPath, String omnirtAvatarModelsPath,
                          Optional<String> flashtalkWsUrl, boolean flashheadEnabled) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(1000);
    public static final Duration DEFAULT_REFRESH = Duration.ofMillis(5000);
    public static final String DEFAULT_MODELS_PATH = "/v1/audio2video/models";
    public static final String DEFAULT_AVATAR_MODELS_PATH = "/v1/avatar/models";

    @Override
    public String toString() {
        return "ProbeConfig[timeout=" + timeout + ", refresh=" + refreshInterval + ", omnirt=" + omnirtEndpoint
                + ", apiKey=" + (omnirtApiKey.isPresent() ? "set" : "unset") + "]";
    }
}
