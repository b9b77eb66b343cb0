package io.opentalking.controlplane.http;

import io.opentalking.controlplane.availability.ModelStatus;
import io.opentalking.controlplane.availability.ModelsSnapshot;

import java.util.LinkedHashMap;
import java.util.Map;

/** The /models body, also shown by the status page. */
public final class ModelsJson {
    private ModelsJson() {
    }

    public static Map<String, Object> body(ModelsSnapshot snap) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("models", snap.modelIds());
        out.put("statuses", snap.statuses().stream().map(ModelsJson::status).toList());
        out.put("default_model", snap.defaultModel().orElse(null));
        return out;
    }

    static Map<String, Object> status(ModelStatus s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", s.id());
        m.put("backend", s.backend().wireName());
        m.put("connected", s.connected());
        m.put("reason", s.reason().wireName());
        s.detail().ifPresent(d -> m.put("detail", d));
        return m;
    }
}
