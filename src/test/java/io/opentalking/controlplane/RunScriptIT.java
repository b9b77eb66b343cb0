package io.opentalking.controlplane;

import io.opentalking.controlplane.testing.Await;
import io.opentalking.controlplane.testing.FreePorts;
import io.opentalking.controlplane.testing.RunSh;
import io.opentalking.controlplane.testing.TestHttp;
import io.opentalking.controlplane.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code OPENTALKING_CONFIG_FILE=my.yaml /path/to/run.sh} from another folder uses that folder's my.yaml. */
class RunScriptIT {
    private static final Path REPO = TestServer.REPO;

    @TempDir
    Path caller;

    @Test
    void relativePathsResolveAgainstTheDirectoryRunShWasStartedIn() throws Exception {
        int port = FreePorts.free();
        // The YAML names its avatars directory relatively too: it must be the caller's, not the repository's.
        Files.writeString(caller.resolve("my.yaml"), "api:\n  port: " + port + "\ninfrastructure:\n"
                + "  avatars_dir: my-avatars\n");
        Path mine = Files.createDirectories(caller.resolve("my-avatars/mine"));
        Files.writeString(mine.resolve("manifest.json"), Files.readString(
                REPO.resolve("examples/avatars/demo-avatar/manifest.json")).replace("\"demo-avatar\"", "\"mine\""));
        Path log = caller.resolve("server.log");

        Process p = RunSh.start(caller, Map.of("OPENTALKING_CONFIG_FILE", "my.yaml"), log);
        try {
            TestHttp http = new TestHttp("http://127.0.0.1:" + port);
            TestHttp.Reply avatars = Await.until(Duration.ofSeconds(60), () -> "run.sh to serve; log:\n" + read(log),
                    UncheckedIOException.class, () -> {
                        assertThat(p.isAlive()).as("run.sh alive; log:\n" + read(log)).isTrue();
                        return http.get("/avatars"); // an UncheckedIOException means "not listening yet"
                    });
            assertThat(avatars.json().findValuesAsText("id")).containsExactly("mine");
            assertThat(read(log)).contains("config file: " + caller.resolve("my.yaml"))
                    .contains("avatars:     " + caller.resolve("my-avatars"));
        } finally {
            p.destroy();
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("exits on SIGTERM").isTrue();
        }
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
