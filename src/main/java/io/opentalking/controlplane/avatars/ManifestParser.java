package io.opentalking.controlplane.avatars;

import io.opentalking.controlplane.json.JsonCodec;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Parses {@code manifest.json} with upstream's rules (required fields, integer conversion). */
final class ManifestParser {
    private static final ObjectMapper JSON = JsonCodec.MAPPER;
    private static final List<String> REQUIRED = List.of("id", "model_type", "fps", "sample_rate", "width", "height",
            "version");

    private ManifestParser() {
    }

    @SuppressWarnings("unchecked")
    /** {@code file} is the bundle's manifest, already found inside the avatars directory. */
    static Avatar parse(String dirName, Path dir, Path file) {
        JsonNode root;
        try {
            if (Files.size(file) > 1024 * 1024) {
                throw new AvatarException.InvalidManifest("manifest.json larger than 1 MiB");
            }
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new AvatarException.InvalidManifest("manifest.json is not valid JSON");
        }
        if (root == null || !root.isObject()) {
            throw new AvatarException.InvalidManifest("manifest.json is not a JSON object");
        }
        for (String f : REQUIRED) {
            if (!root.has(f) || root.get(f).isNull()) {
                throw new AvatarException.InvalidManifest("manifest missing field: " + f);
            }
        }
        String id = root.get("id").asText();
        if (!id.equals(dirName)) {
            throw new AvatarException.InvalidManifest("manifest id '" + id + "' differs from its directory '"
                    + dirName + "'");
        }
        JsonNode meta = root.get("metadata");
        Map<String, Object> metadata = meta != null && meta.isObject() ? JSON.convertValue(meta, Map.class) : Map.of();
        if (meta != null && !meta.isNull() && !meta.isObject()) {
            throw new AvatarException.InvalidManifest("metadata must be an object");
        }
        JsonNode name = root.get("name");
        return new Avatar(dirName, name == null || name.isNull() ? Optional.empty() : Optional.of(name.asText()),
                root.get("model_type").asText(), integer(root, "fps"), integer(root, "sample_rate"),
                integer(root, "width"), integer(root, "height"), root.get("version").asText(), metadata, dir,
                Optional.empty());
    }

    private static int integer(JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (n.isBoolean()) {
            return n.asBoolean() ? 1 : 0;
        }
        if (n.isNumber()) {
            return (int) n.asDouble();
        }
        if (n.isTextual()) {
            try {
                return Integer.parseInt(n.asText().trim());
            } catch (NumberFormatException e) {
                throw new AvatarException.InvalidManifest(field + " must be an integer, not '" + n.asText() + "'");
            }
        }
        throw new AvatarException.InvalidManifest(field + " must be an integer");
    }
}
