package io.opentalking.controlplane.avatars;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AvatarCatalogTest {
    @TempDir
    Path tmp;
    Path root;
    AvatarCatalog catalog;

    private void bundle(String dir, String manifest) throws IOException {
        Files.createDirectories(root.resolve(dir));
        Files.writeString(root.resolve(dir).resolve("manifest.json"), manifest);
    }

    private static String manifest(String id, String extra) {
        return "{\"id\":\"" + id + "\",\"model_type\":\"mock\",\"fps\":25,\"sample_rate\":\"16000\",\"width\":512.9,"
                + "\"height\":512,\"version\":1" + extra + "}";
    }

    @BeforeEach
    void setUp() throws IOException {
        root = tmp.resolve("avatars");
        Files.createDirectories(root);
        catalog = new AvatarCatalog(root);
    }

    @Test
    void parsesManifestsWithUpstreamsIntegerRules() throws IOException {
        bundle("anchor", manifest("anchor", ",\"name\":\"Anchor\""));
        Avatar a = catalog.find("anchor");
        assertThat(a.sampleRate()).isEqualTo(16000);
        assertThat(a.width()).isEqualTo(512);
        assertThat(a.version()).isEqualTo("1");
        assertThat(a.name()).contains("Anchor");
        bundle("bad-fps", manifest("bad-fps", "").replace("\"fps\":25", "\"fps\":\"25.0\""));
        assertThatThrownBy(() -> catalog.find("bad-fps")).isInstanceOf(AvatarException.InvalidManifest.class)
                .hasMessage("invalid avatar: fps must be an integer, not '25.0'");
    }

    @Test
    void refusesIdsThatLeaveTheRoot() throws IOException {
        Path outside = tmp.resolve("outside");
        Files.createDirectories(outside);
        Files.writeString(outside.resolve("manifest.json"), manifest("outside", ""));
        Files.createSymbolicLink(root.resolve("link"), outside);
        for (String bad : new String[]{"../outside", "/etc", "..", ".", "a/b", "", "link"}) {
            assertThatThrownBy(() -> catalog.find(bad)).as(bad).isInstanceOf(AvatarException.InvalidId.class)
                    .hasMessage("invalid avatar_id");
        }
        assertThatThrownBy(() -> catalog.find("ghost")).isInstanceOf(AvatarException.NotFound.class);
    }

    @Test
    void oneIdentifierTheDirectoryName() throws IOException {
        bundle("dir-name", manifest("other-id", ""));
        assertThatThrownBy(() -> catalog.find("dir-name")).hasMessageContaining("differs from its directory");
        assertThat(catalog.list()).isEmpty();
    }

    @Test
    void listSkipsHiddenAndBrokenBundlesAndSorts() throws IOException {
        bundle("b", manifest("b", ""));
        bundle("a", manifest("a", ""));
        bundle("hidden", manifest("hidden", ",\"metadata\":{\"hidden\":true}"));
        bundle("broken", "{not json");
        Files.createDirectories(root.resolve("no-manifest"));
        assertThat(catalog.list()).extracting(Avatar::id).containsExactly("a", "b");
        assertThat(catalog.find("hidden").hidden()).isTrue();
    }

    @Test
    void manifestsAreReReadWhenTheyChange() throws IOException {
        bundle("x", manifest("x", ""));
        assertThat(catalog.find("x").height()).isEqualTo(512);
        Path m = root.resolve("x/manifest.json");
        Files.writeString(m, manifest("x", "").replace("\"height\":512", "\"height\":256"));
        Files.setLastModifiedTime(m, FileTime.from(Instant.now().plusSeconds(5)));
        assertThat(catalog.find("x").height()).isEqualTo(256);
        Files.writeString(m, manifest("x", "").replace("\"fps\":25,", ""));
        Files.setLastModifiedTime(m, FileTime.from(Instant.now().plusSeconds(10)));
        assertThatThrownBy(() -> catalog.find("x")).hasMessage("invalid avatar: manifest missing field: fps");
    }

    @Test
    void aPreviewThatResolvesOutsideTheDirectoryIsAbsent() throws IOException {
        Path secret = Files.writeString(tmp.resolve("secret.png"), "not for clients");
        bundle("leaky", manifest("leaky", ""));
        Files.createSymbolicLink(root.resolve("leaky/preview.png"), secret);
        bundle("nested", manifest("nested", ""));
        Files.createDirectories(tmp.resolve("elsewhere"));
        Files.writeString(tmp.resolve("elsewhere/preview.png"), "not for clients either");
        Files.createSymbolicLink(root.resolve("nested/media"), tmp.resolve("elsewhere"));
        Files.createSymbolicLink(root.resolve("nested/preview.png"), Path.of("media/preview.png"));
        bundle("dangling", manifest("dangling", ""));
        Files.createSymbolicLink(root.resolve("dangling/preview.png"), tmp.resolve("gone.png"));

        for (String id : new String[]{"leaky", "nested", "dangling"}) {
            assertThat(catalog.find(id).preview()).as(id).isEmpty();
        }
    }

    @Test
    void aPreviewLinkedWithinTheDirectoryIsServedByItsRealPath() throws IOException {
        bundle("shared", manifest("shared", ""));
        Path png = Files.writeString(root.resolve("shared/preview.png"), "png");
        bundle("alias", manifest("alias", ""));
        Files.createSymbolicLink(root.resolve("alias/preview.png"), Path.of("../shared/preview.png"));

        assertThat(catalog.find("shared").preview()).contains(png.toRealPath());
        assertThat(catalog.find("alias").preview()).contains(png.toRealPath());
        assertThat(catalog.find("alias").directory()).isEqualTo(root.resolve("alias"));
    }

    @Test
    void aManifestThatResolvesOutsideTheDirectoryIsInvalid() throws IOException {
        Path outside = Files.writeString(tmp.resolve("manifest.json"), manifest("linked", ""));
        Files.createDirectories(root.resolve("linked"));
        Files.createSymbolicLink(root.resolve("linked/manifest.json"), outside);
        Files.createDirectories(root.resolve("dir-manifest/manifest.json"));

        for (String id : new String[]{"linked", "dir-manifest"}) {
            assertThatThrownBy(() -> catalog.find(id)).as(id).isInstanceOf(AvatarException.InvalidManifest.class)
                    .hasMessage("invalid avatar: manifest.json is not a file inside the avatars directory");
        }
        assertThatThrownBy(() -> catalog.find("ghost-manifest-less")).isInstanceOf(AvatarException.NotFound.class);
        Files.createDirectories(root.resolve("empty"));
        assertThatThrownBy(() -> catalog.find("empty")).hasMessage("invalid avatar: manifest.json missing");
        assertThat(catalog.list()).isEmpty();
    }

    @Test
    void aPreviewAddedLaterShowsWithoutTheManifestChanging() throws IOException {
        bundle("late", manifest("late", ""));
        assertThat(catalog.find("late").preview()).isEmpty();
        Files.writeString(root.resolve("late/preview.png"), "png");
        assertThat(catalog.find("late").preview()).isPresent();
    }
}
