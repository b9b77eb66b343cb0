package io.opentalking.controlplane.avatars;

import io.opentalking.controlplane.testing.TestHttp;
import io.opentalking.controlplane.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Over real HTTP: files of an avatar bundle that are symlinks out of the avatars directory are never used. */
class AvatarFilesIT {
    private static final String PASSWD_LINE = "root:";

    @TempDir
    static Path tmp;
    static TestServer server;

    @BeforeAll
    static void start() throws IOException {
        Path avatars = tmp.resolve("avatars");
        Path repoDemo = TestServer.REPO.resolve("examples/avatars/demo-avatar");
        bundle(avatars, "leaky-preview", repoDemo);
        Files.createSymbolicLink(avatars.resolve("leaky-preview/preview.png"), Path.of("/etc/passwd"));
        bundle(avatars, "linked-preview", repoDemo);
        Files.createSymbolicLink(avatars.resolve("linked-preview/preview.png"), repoDemo.resolve("preview.png"));

        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("manifest.json"), manifest("leaky-manifest", repoDemo));
        Files.createDirectories(avatars.resolve("leaky-manifest"));
        Files.createSymbolicLink(avatars.resolve("leaky-manifest/manifest.json"), outside.resolve("manifest.json"));

        // A link that stays inside the avatars directory is fine.
        bundle(avatars, "inner", repoDemo);
        Files.copy(repoDemo.resolve("preview.png"), avatars.resolve("inner/preview.png"));
        bundle(avatars, "alias", repoDemo);
        Files.createSymbolicLink(avatars.resolve("alias/preview.png"), Path.of("../inner/preview.png"));
        server = TestServer.start(Map.of("OPENTALKING_AVATARS_DIR", avatars.toString()));
    }

    /** A bundle with the demo avatar's manifest under another id, and no preview. */
    private static void bundle(Path avatars, String id, Path repoDemo) throws IOException {
        Files.createDirectories(avatars.resolve(id));
        Files.writeString(avatars.resolve(id).resolve("manifest.json"), manifest(id, repoDemo));
    }

    private static String manifest(String id, Path repoDemo) throws IOException {
        return Files.readString(repoDemo.resolve("manifest.json")).replace("\"demo-avatar\"", "\"" + id + "\"");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static TestHttp http() {
        return server.http();
    }

    @Test
    void aPreviewLinkedToEtcPasswdIsNotFound() {
        for (String id : new String[]{"leaky-preview", "linked-preview"}) {
            TestHttp.Reply r = http().get("/avatars/" + id + "/preview");
            assertThat(r.status()).as(id).isEqualTo(404);
            assertThat(r.json().get("detail").asText()).isEqualTo("preview not found");
            assertThat(r.body()).doesNotContain(PASSWD_LINE);
            TestHttp.Reply one = http().get("/avatars/" + id);
            assertThat(one.status()).isEqualTo(200);
            assertThat(one.json().get("has_preview").asBoolean()).as(id).isFalse();
            assertThat(one.json().get("preview_url").isNull()).isTrue();
        }
    }

    @Test
    void aPreviewLinkedInsideTheDirectoryIsServed() {
        TestHttp.Reply r = http().get("/avatars/alias/preview");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).isEqualTo("image/png");
        assertThat(http().get("/avatars/alias").json().get("preview_url").asText()).isEqualTo("/avatars/alias/preview");
    }

    @Test
    void aManifestLinkedOutsideIsAnInvalidAvatar() {
        String why = "invalid avatar: manifest.json is not a file inside the avatars directory";
        TestHttp.Reply create = http().post("/sessions", "{\"avatar_id\":\"leaky-manifest\",\"model\":\"mock\"}");
        assertThat(create.status()).isEqualTo(400);
        assertThat(create.json().get("detail").asText()).isEqualTo(why);

        TestHttp.Reply one = http().get("/avatars/leaky-manifest");
        assertThat(one.status()).isEqualTo(404);
        assertThat(one.json().get("detail").asText()).isEqualTo("avatar not found: " + why);
        assertThat(http().get("/avatars").json().findValuesAsText("id"))
                .contains("leaky-preview", "alias").doesNotContain("leaky-manifest");
    }
}
