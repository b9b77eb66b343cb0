package io.opentalking.controlplane.bench;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Runs {@code bash bench/smoke.sh --no-build} (the benchmark in smoke mode and every fault drill in smoke mode)
 * against the packaged jar: failsafe runs after {@code package}, so target/opentalking-controlplane.jar exists.
 * The smoke fails only on a broken script, a server that does not answer, a lost slot or a 5xx that must not
 * happen; speed figures are printed, never judged.
 *
 * <p>The script's output is copied line by line to this JVM's standard output rather than inherited: a child
 * writing straight to the forked test JVM's file descriptors corrupts failsafe's channel and its output would
 * only land in a .dumpstream file.
 */
class BenchSmokeIT {
    /** The whole smoke took 246 s on the 2-core machine with hostile.sh added (68 s of it); room for a busy box. */
    private static final long TIMEOUT_MINUTES = 8;

    @Test
    void benchmarkAndDrillsRunInSmokeMode() throws Exception {
        assertThat(Path.of("target/opentalking-controlplane.jar")).as("the packaged jar").exists();
        assertThat(Path.of("bench/smoke.sh")).exists();
        ProcessBuilder pb = new ProcessBuilder("bash", "bench/smoke.sh", "--no-build")
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        // The scripts start servers with the JDK running this test (21+), whatever JAVA_HOME says.
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("BENCH_SKIP_BUILD", "1");
        Process p = pb.start();
        Deque<String> tail = new ArrayDeque<>();
        Thread pump = Thread.ofPlatform().name("bench-smoke-output").start(() -> copy(p, tail));
        if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
            // TERM lets the scripts' exit traps stop the servers they started; then make sure.
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
            pump.join(5_000);
            fail("bench/smoke.sh did not finish within " + TIMEOUT_MINUTES + " minutes");
        }
        pump.join(10_000);
        String last;
        synchronized (tail) {
            last = String.join("\n", tail);
        }
        assertThat(p.exitValue())
                .as("exit code of bench/smoke.sh; the whole output is this test's output (with the parent POM's "
                        + "settings: target/failsafe-reports/%s-output.txt); its last lines:%n%s",
                        BenchSmokeIT.class.getName(), last)
                .isZero();
    }

    private static void copy(Process p, Deque<String> tail) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                System.out.println(line);
                synchronized (tail) {
                    tail.addLast(line);
                    if (tail.size() > 40) {
                        tail.removeFirst();
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
