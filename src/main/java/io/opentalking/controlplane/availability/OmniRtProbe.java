package io.opentalking.controlplane.availability;

import io.opentalking.controlplane.json.JsonCodec;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads OmniRT's model listing: the primary path, then the legacy avatar path when the first yields nothing.
 * Both calls share one time budget, so the whole probe never exceeds the configured timeout.
 */
final class OmniRtProbe {
    private static final ObjectMapper JSON = JsonCodec.MAPPER;

    private final ProbeHttp http;
    private final URI endpoint;
    private final Optional<String> apiKey;
    private final String primaryPath;
    private final String fallbackPath;

    OmniRtProbe(ProbeHttp http, URI endpoint, Optional<String> apiKey, String primaryPath, String fallbackPath) {
        this.http = http;
        this.endpoint = endpoint;
        this.apiKey = apiKey;
        this.primaryPath = primaryPath;
        this.fallbackPath = fallbackPath;
    }

    URI primaryUrl() {
        return ProbeUrls.omnirtProbe(endpoint, primaryPath);
    }

    OmniRtListing list(Duration budget) {
        long deadline = System.nanoTime() + budget.toNanos();
        OmniRtListing primary = listAt(primaryPath, budget);
        if (primary instanceof OmniRtListing.Listed l && !l.models().isEmpty()) {
            return primary;
        }
        if (fallbackPath.equals(primaryPath)) {
            return primary;
        }
        OmniRtListing fallback = listAt(fallbackPath, Duration.ofNanos(deadline - System.nanoTime()));
        if (fallback instanceof OmniRtListing.Listed l && !l.models().isEmpty()) {
            return fallback;
        }
        // Report the primary path's problem: it is the one operators configure.
        return primary instanceof OmniRtListing.Unavailable ? primary : fallback;
    }

    private OmniRtListing listAt(String path, Duration budget) {
        URI uri = ProbeUrls.omnirtProbe(endpoint, path);
        Map<String, String> headers = apiKey.map(k -> Map.of("Authorization", "Bearer " + k)).orElse(Map.of());
        return switch (http.get(uri, headers, budget)) {
            case HttpOutcome.Failed f -> new OmniRtListing.Unavailable(f.detail());
            case HttpOutcome.Answered a when a.status() < 200 || a.status() > 299 ->
                    new OmniRtListing.Unavailable(ProbeHttp.safe(uri) + " answered HTTP " + a.status());
            case HttpOutcome.Answered a -> parse(uri, a.body());
        };
    }

    /** Accepts {@code {"models":[...]}} (strings or objects with id) and {@code {"statuses":[{id,connected}]}}. */
    static OmniRtListing parse(URI uri, byte[] body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            return new OmniRtListing.Unavailable(ProbeHttp.safe(uri) + " answered a body that is not JSON");
        }
        if (root == null || !root.isObject()) {
            return new OmniRtListing.Unavailable(ProbeHttp.safe(uri) + " answered JSON that is not an object");
        }
        Set<String> ids = new LinkedHashSet<>();
        Map<String, String> reasons = new HashMap<>();
        JsonNode models = root.get("models");
        if (models != null && models.isArray()) {
            for (JsonNode m : models) {
                String id = m.isTextual() ? m.asText() : m.isObject() && m.hasNonNull("id") ? m.get("id").asText() : "";
                if (m.isObject() && m.has("connected") && !m.get("connected").asBoolean(false)) {
                    continue;
                }
                addId(ids, id);
            }
        }
        JsonNode statuses = root.get("statuses");
        if (statuses != null && statuses.isArray()) {
            boolean fromStatuses = ids.isEmpty();
            for (JsonNode s : statuses) {
                if (!s.isObject() || !s.hasNonNull("id")) {
                    continue;
                }
                String id = norm(s.get("id").asText());
                if (fromStatuses && s.path("connected").asBoolean(false)) {
                    addId(ids, id);
                }
                // OmniRT says why per model (proxy, resident_runtime, runtime_not_enabled, ...): kept for detail.
                if (!id.isEmpty() && s.path("reason").isTextual() && !s.get("reason").asText().isBlank()) {
                    reasons.put(id, shorten(s.get("reason").asText().trim()));
                }
            }
        }
        return new OmniRtListing.Listed(ids, reasons, ProbeHttp.safe(uri));
    }

    private static String norm(String id) {
        return id == null ? "" : id.trim().toLowerCase(Locale.ROOT);
    }

    /** A reason is a short code; a server sending prose must not blow up a detail line. */
    private static String shorten(String reason) {
        return reason.length() > 64 ? reason.substring(0, 64) + "…" : reason;
    }

    private static void addId(Set<String> ids, String id) {
        String norm = norm(id);
        if (!norm.isEmpty()) {
            ids.add(norm);
        }
    }
}
