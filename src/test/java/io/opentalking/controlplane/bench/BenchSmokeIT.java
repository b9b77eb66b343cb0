package io.opentalking.controlplane.bench;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Runs {@code bash bench/smoke.sh --no-build} (the benchmark in smoke mode and every fault drill in smoke mode)
 * against the packaged jar: failsafe runs after {@code package}, so target/opentalking-controlplane.jar exists.
 * The smoke fails only on a broken script, a server that does not answer, a lost slot or a 5xx that must not
 * happen; speed figures are printed, never judged.
 */
class BenchSmokeIT {
    private static final long TIMEOUT_MINUTES = 5;

    @Test
    void benchmarkAndDrillsRunInSmokeMode() throws Exception {
        assertThat(Path.of("target/opentalking-controlplane.jar")).as("the packaged jar").exists();
        assertThat(Files.isRegularFile(Path.of("bench/smoke.sh"))).isTrue();
        ProcessBuilder pb = new ProcessBuilder("bash", "bench/smoke.sh", "--no-build").inheritIO();
        // The scripts start servers with the JDK running this test (21+), whatever JAVA_HOME says.
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("BENCH_SKIP_BUILD", "1");
        Process p = pb.start();
        if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
            // TERM lets the scripts' exit traps stop the servers they started; then make sure.
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
            fail("bench/smoke.sh did not finish within " + TIMEOUT_MINUTES + " minutes");
        }
        assertThat(p.exitValue()).as("exit code of bench/smoke.sh (its output is above)").isZero();
    }
}
