package io.opentalking.controlplane.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.webserver.http.ServerRequest;
import io.opentalking.controlplane.sessions.CreateSessionRequest;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/** Reads and validates request bodies: size first (413), then JSON shape and field types (400). */
final class RequestBodies {
    static final List<String> OPTIONAL_FIELDS = List.of("tts_provider", "tts_voice", "llm_system_prompt",
            "wav2lip_postprocess_mode", "stt_provider", "tts_model", "user_id");

    private RequestBodies() {
    }

    static byte[] read(ServerRequest req, int limit) {
        OptionalLong declared = req.headers().contentLength();
        if (declared.isPresent() && declared.getAsLong() > limit) {
            throw new ApiError(413, "request body larger than " + limit + " bytes");
        }
        if (!req.content().hasEntity()) {
            return new byte[0];
        }
        try (InputStream in = req.content().inputStream()) {
            byte[] body = in.readNBytes(limit + 1);
            if (body.length > limit) {
                throw new ApiError(413, "request body larger than " + limit + " bytes");
            }
            return body;
        } catch (IOException | RuntimeException e) {
            // A truncated body or a bad chunk size surfaces as an unchecked parser exception: the client's fault.
            if (e instanceof ApiError api) {
                throw api;
            }
            throw new ApiError(400, "request body could not be read");
        }
    }

    static CreateSessionRequest createSession(byte[] body) {
        if (body.length == 0) {
            throw new ApiError(400, "request body must be a JSON object with avatar_id and model");
        }
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new ApiError(400, "request body is not valid JSON");
        }
        if (root == null || !root.isObject()) {
            throw new ApiError(400, "request body must be a JSON object with avatar_id and model");
        }
        String avatar = requiredString(root, "avatar_id");
        String model = requiredString(root, "model");
        Map<String, String> options = new LinkedHashMap<>();
        for (String f : OPTIONAL_FIELDS) {
            JsonNode n = root.get(f);
            if (n == null || n.isNull()) {
                continue;
            }
            if (!n.isTextual()) {
                throw new ApiError(400, f + " must be a string");
            }
            options.put(f, n.asText());
        }
        return new CreateSessionRequest(avatar, model, options);
    }

    private static String requiredString(JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            throw new ApiError(400, field + " is required");
        }
        if (!n.isTextual()) {
            throw new ApiError(400, field + " must be a string");
        }
        if (n.asText().isBlank()) {
            throw new ApiError(400, field + " must not be empty");
        }
        return n.asText();
    }
}
