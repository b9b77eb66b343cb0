package io.opentalking.controlplane.config;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Model availability probing: endpoints, auth, time bounds and the thresholds that keep statuses from flapping.
 * The api key is a secret and the endpoint may carry user info: {@link #toString()} shows neither.
 * Validates itself; an invalid value throws {@link ConfigException} naming the setting.
 *
 * @param refreshInterval period between the starts of two probe rounds; at least {@code timeout}
 * @param omnirtListingTimeout budget of the OmniRT listing, which checks its targets one after another
 * @param failureThreshold consecutive failed rounds before a connected model is reported disconnected
 * @param successThreshold consecutive good rounds before a disconnected model is reported connected again
 */
public record ProbeConfig(Duration timeout, Duration refreshInterval, Duration omnirtListingTimeout,
                          int failureThreshold, int successThreshold, Optional<URI> omnirtEndpoint,
                          Optional<String> omnirtApiKey, String omnirtModelsPath, String omnirtAvatarModelsPath,
                          Optional<String> flashtalkWsUrl, boolean flashheadEnabled) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(1000);
    public static final Duration DEFAULT_REFRESH = Duration.ofMillis(5000);
    public static final Duration DEFAULT_OMNIRT_LISTING_TIMEOUT = Duration.ofMillis(3000);
    public static final int DEFAULT_FAILURE_THRESHOLD = 2;
    public static final int DEFAULT_SUCCESS_THRESHOLD = 1;
    public static final String DEFAULT_MODELS_PATH = "/v1/audio2video/models";
    public static final String DEFAULT_AVATAR_MODELS_PATH = "/v1/avatar/models";
    public static final Set<String> OMNIRT_SCHEMES = Set.of("http", "https", "ws", "wss");

    public ProbeConfig {
        Check.millisAtLeast("OPENTALKING_PROBE_TIMEOUT_MS", timeout, 1);
        Objects.requireNonNull(refreshInterval, "refreshInterval");
        if (refreshInterval.compareTo(timeout) < 0) {
            // A round may take the whole probe timeout; a shorter period would start rounds back to back.
            throw ConfigException.invalid("OPENTALKING_MODELS_REFRESH_MS", Long.toString(refreshInterval.toMillis()),
                    "the period between two probe rounds must be at least the probe timeout ("
                            + timeout.toMillis() + " ms, OPENTALKING_PROBE_TIMEOUT_MS)");
        }
        Check.millisAtLeast("OPENTALKING_OMNIRT_LISTING_TIMEOUT_MS", omnirtListingTimeout, 1);
        Check.range("OPENTALKING_PROBE_FAILURE_THRESHOLD", failureThreshold, 1, 1000);
        Check.range("OPENTALKING_PROBE_SUCCESS_THRESHOLD", successThreshold, 1, 1000);
        Objects.requireNonNull(omnirtEndpoint, "omnirtEndpoint");
        omnirtEndpoint.ifPresent(u -> {
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            if (!OMNIRT_SCHEMES.contains(scheme) || u.getHost() == null) {
                throw ConfigException.invalid("OPENTALKING_OMNIRT_ENDPOINT", Redact.url(u),
                        "expected a URL with a host and scheme http, https, ws, wss");
            }
        });
        Objects.requireNonNull(omnirtApiKey, "omnirtApiKey");
        Objects.requireNonNull(flashtalkWsUrl, "flashtalkWsUrl");
        omnirtModelsPath = withSlash(omnirtModelsPath);
        omnirtAvatarModelsPath = withSlash(omnirtAvatarModelsPath);
    }

    private static String withSlash(String path) {
        Objects.requireNonNull(path, "path");
        return path.startsWith("/") ? path : "/" + path;
    }

    @Override
    public String toString() {
        return "ProbeConfig[timeout=" + timeout + ", refresh=" + refreshInterval + ", omnirtListingTimeout="
                + omnirtListingTimeout + ", failureThreshold=" + failureThreshold + ", successThreshold="
                + successThreshold + ", omnirt=" + Redact.url(omnirtEndpoint) + ", apiKey="
                + (omnirtApiKey.isPresent() ? "set" : "unset") + ", flashtalkWsUrl="
                + flashtalkWsUrl.map(Redact::url).orElse("unset") + ", flashheadEnabled=" + flashheadEnabled + "]";
    }
}
