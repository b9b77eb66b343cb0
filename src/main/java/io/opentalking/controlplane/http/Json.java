package io.opentalking.controlplane.http;

import io.opentalking.controlplane.json.JsonCodec;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.LinkedHashMap;
import java.util.Map;

/** JSON bodies: one mapper, one content type ({@code application/json; charset=utf-8}). */
public final class Json {
    static final ObjectMapper MAPPER = JsonCodec.MAPPER;
    public static final String CONTENT_TYPE = "application/json; charset=utf-8";

    private Json() {
    }

    static Map<String, Object> detail(String text) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("detail", text);
        return m;
    }

    static Map<String, Object> obj(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }
}
