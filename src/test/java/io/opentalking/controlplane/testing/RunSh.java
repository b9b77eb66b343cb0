package io.opentalking.controlplane.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code run.sh} as a user starts it, in a process of its own, from a directory of the test's choosing. */
public final class RunSh {
    private RunSh() {
    }

    /**
     * Starts {@code bash <repo>/run.sh} in {@code workDir} with exactly {@code env} (plus PATH, HOME and this JDK),
     * output and errors to {@code log}. Fails first if the jar is stale, since run.sh would then start a second
     * Maven build inside this one.
     */
    public static Process start(Path workDir, Map<String, String> env, Path log) {
        assertJarIsFresh();
        ProcessBuilder pb = new ProcessBuilder("bash", TestServer.REPO.resolve("run.sh").toString())
                .directory(workDir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().clear();
        pb.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        pb.environment().put("HOME", workDir.toString());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("JAVA_OPTS", "-Xmx96m -XX:TieredStopAtLevel=1"); // no CDS archive written by a test
        // A test stops its server as soon as it is done with it: no load balancer needs the drain period.
        pb.environment().put("OPENTALKING_DRAIN_MS", "0");
        pb.environment().putAll(env);
        try {
            return pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void assertJarIsFresh() {
        try {
            Process find = new ProcessBuilder("find", "src", "pom.xml", "examples", "-newer",
                    "target/opentalking-controlplane.jar", "-print", "-quit").directory(TestServer.REPO.toFile())
                    .redirectErrorStream(true).start();
            String newer = new String(find.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            assertThat(find.waitFor()).as("target/opentalking-controlplane.jar exists: " + newer).isZero();
            assertThat(newer).as("sources newer than the jar (package first)").isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
