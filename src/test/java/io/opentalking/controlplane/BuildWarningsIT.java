package io.opentalking.controlplane;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A build through the Maven Wrapper prints no JVM warnings (issue 11 item 10): run it as a user would. */
class BuildWarningsIT {
    @Test
    void theWrapperPrintsNoWarnings() throws Exception {
        Process p = new ProcessBuilder(List.of("bash", "-c", ". scripts/java-home.sh && ./mvnw -B -q -o validate"))
                .directory(Path.of("").toAbsolutePath().toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).as("what the build printed").doesNotContain("WARNING");
    }
}
