package io.opentalking.controlplane.config;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Relative paths the user gives resolve against the caller's directory; defaults against the installation. */
class UserPathsTest {
    @TempDir
    Path tmp;
    Path caller;
    Path install;

    @BeforeEach
    void setUp() throws IOException {
        caller = Files.createDirectories(tmp.resolve("caller"));
        install = Files.createDirectories(tmp.resolve("install"));
        Files.createDirectories(install.resolve("configs"));
        Files.writeString(install.resolve("configs/default.yaml"), "api:\n  port: 0\n");
        Files.writeString(caller.resolve("my.yaml"), "infrastructure:\n  avatars_dir: my-avatars\n");
    }

    @Test
    void givenPathsResolveAgainstTheCallersDirectory() {
        AppConfig cfg = ConfigLoader.load(Map.of(UserPaths.CALLER_DIR, caller.toString(),
                "OPENTALKING_CONFIG_FILE", "my.yaml", "OPENTALKING_MODEL_ROOT", "../caller/models-here"), install);
        assertThat(cfg.configFile()).contains(caller.resolve("my.yaml"));
        assertThat(cfg.avatarsDir()).as("a relative path inside the YAML file").isEqualTo(caller.resolve("my-avatars"));
        assertThat(cfg.local().modelRoot()).isEqualTo(caller.resolve("models-here"));
    }

    @Test
    void defaultsStayInTheInstallation() {
        AppConfig cfg = ConfigLoader.load(Map.of(UserPaths.CALLER_DIR, caller.toString()), install);
        assertThat(cfg.configFile()).contains(install.resolve("configs/default.yaml"));
        assertThat(cfg.avatarsDir()).isEqualTo(install.resolve("examples/avatars"));
        assertThat(cfg.local().modelRoot()).isEqualTo(install.resolve("models"));
    }

    @Test
    void withoutACallerDirectoryTheWorkingDirectoryIsTheCaller() {
        AppConfig cfg = ConfigLoader.load(Map.of("OPENTALKING_AVATARS_DIR", "mine"), caller);
        assertThat(cfg.avatarsDir()).isEqualTo(caller.resolve("mine"));
    }
}
