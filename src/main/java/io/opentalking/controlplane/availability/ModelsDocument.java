package io.opentalking.controlplane.availability;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code /models} document, as the ordered map that {@code GET /models}, the status page and
 * {@code doctor --json} all print: {@code models}, {@code statuses} ({@code id, backend, connected, reason} and an
 * optional {@code detail}), {@code default_model}.
 */
public final class ModelsDocument {
    private ModelsDocument() {
    }

    public static Map<String, Object> of(ModelsSnapshot snap) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("models", snap.modelIds());
        out.put("statuses", snap.statuses().stream().map(ModelsDocument::status).toList());
        out.put("default_model", snap.defaultModel().orElse(null));
        return out;
    }

    /** One entry of {@code statuses}; also the status object of a {@code models.changed} event. */
    public static Map<String, Object> status(ModelStatus s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", s.id());
        m.put("backend", s.backend().wireName());
        m.put("connected", s.connected());
        m.put("reason", s.reason().wireName());
        s.detail().ifPresent(d -> m.put("detail", d));
        return m;
    }
}
