package io.opentalking.controlplane.http;

import io.opentalking.controlplane.avatars.Avatar;
import io.opentalking.controlplane.avatars.AvatarCatalog;
import io.opentalking.controlplane.avatars.AvatarException;

import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code GET /avatars}, {@code GET /avatars/{id}}, {@code GET /avatars/{id}/preview}. */
final class AvatarRoutes implements Router.Routes {
    private final AvatarCatalog catalog;

    AvatarRoutes(AvatarCatalog catalog) {
        this.catalog = catalog;
    }

    @Override
    public void register(Router router) {
        router.get("/avatars", this::list)
                .get("/avatars/{id}", this::one)
                .get("/avatars/{id}/preview", this::preview);
    }

    private void list(Exchange ex) {
        ex.json(200, catalog.list().stream().map(AvatarRoutes::summary).toList());
    }

    private void one(Exchange ex) {
        ex.json(200, summary(lookup(ex)));
    }

    private void preview(Exchange ex) throws IOException {
        Avatar a = lookup(ex);
        byte[] png = Files.readAllBytes(a.preview().orElseThrow(() -> new ApiError(404, "preview not found")));
        ex.header("Cache-Control", "max-age=60");
        ex.send(200, "image/png", png);
    }

    /** Unlike POST /sessions, a lookup by path answers 404 for anything that is not a valid avatar. */
    private Avatar lookup(Exchange ex) {
        try {
            return catalog.find(ex.pathParam("id"));
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
