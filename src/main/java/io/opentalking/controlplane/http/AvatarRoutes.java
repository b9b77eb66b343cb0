package io.opentalking.controlplane.http;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.opentalking.controlplane.avatars.Avatar;
import io.opentalking.controlplane.avatars.AvatarCatalog;
import io.opentalking.controlplane.avatars.AvatarException;

import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code GET /avatars}, {@code GET /avatars/{id}}, {@code GET /avatars/{id}/preview}. */
final class AvatarRoutes {
    private final AvatarCatalog catalog;

    AvatarRoutes(AvatarCatalog catalog) {
        this.catalog = catalog;
    }

    void register(HttpRouting.Builder routing, RouteTable table) {
        table.add(routing, "GET", "/avatars", this::list);
        table.add(routing, "GET", "/avatars/{id}", this::one);
        table.add(routing, "GET", "/avatars/{id}/preview", this::preview);
    }

    private void list(ServerRequest req, ServerResponse res) {
        Json.send(res, 200, catalog.list().stream().map(AvatarRoutes::summary).toList());
    }

    private void one(ServerRequest req, ServerResponse res) {
        Json.send(res, 200, summary(lookup(req)));
    }

    private void preview(ServerRequest req, ServerResponse res) throws IOException {
        Avatar a = lookup(req);
        byte[] png = Files.readAllBytes(a.preview().orElseThrow(() -> new ApiError(404, "preview not found")));
        res.header(HeaderNames.CONTENT_TYPE, "image/png");
        res.header(HeaderNames.CACHE_CONTROL, "max-age=60");
        res.send(png);
    }

    /** Unlike POST /sessions, a lookup by path answers 404 for anything that is not a valid avatar. */
    private Avatar lookup(ServerRequest req) {
        try {
            return catalog.find(req.path().pathParameters().get("id"));
        } catch (AvatarException.InvalidId | AvatarException.NotFound e) {
            throw new ApiError(404, "avatar not found");
        } catch (AvatarException.InvalidManifest e) {
            throw new ApiError(404, "avatar not found: " + e.getMessage());
        }
    }

    static Map<String, Object> summary(Avatar a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", a.id());
        m.put("name", a.name().orElse(null));
        m.put("model_type", a.modelType());
        m.put("width", a.width());
        m.put("height", a.height());
        m.put("fps", a.fps());
        m.put("sample_rate", a.sampleRate());
        m.put("version", a.version());
        m.put("has_preview", a.preview().isPresent());
        m.put("preview_url", a.preview().isPresent() ? "/avatars/" + a.id() + "/preview" : null);
        return m;
    }
}
