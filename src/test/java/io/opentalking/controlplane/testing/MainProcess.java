package io.opentalking.controlplane.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code Main} in a JVM of its own, as an operator runs it: exactly the given environment (plus PATH and HOME),
 * an empty working directory, stdout and stderr captured to files.
 */
public final class MainProcess {
    /** A finished run. */
    public record Run(int exit, String stdout, String stderr) {
    }

    private final Process process;
    private final Path dir;

    private MainProcess(Process process, Path dir) {
        this.process = process;
        this.dir = dir;
    }

    public static MainProcess start(Map<String, String> env, String... args) {
        try {
            Path dir = Files.createTempDirectory("main-");
            List<String> cmd = new ArrayList<>();
            cmd.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin",
                    "java").toString()));
            cmd.addAll(List.of("-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                    "io.opentalking.controlplane.Main"));
            cmd.addAll(List.of(args));
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
                    .redirectOutput(dir.resolve("out.txt").toFile()).redirectError(dir.resolve("err.txt").toFile());
            pb.environment().clear();
            pb.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
            pb.environment().put("HOME", dir.toString());
            pb.environment().putAll(env);
            return new MainProcess(pb.start(), dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs to completion (at most 60 s). */
    public static Run run(Map<String, String> env, String... args) {
        return start(env, args).await();
    }

    /** What the process has written to stderr (where the log goes) so far. */
    public String stderrSoFar() {
        try {
            return Files.readString(dir.resolve("err.txt"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Asks the process to stop (SIGTERM) and waits for it. */
    public Run stop() {
        process.destroy();
        return await();
    }

    public Run await() {
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("process did not finish within 60 s");
            }
            return new Run(process.exitValue(), Files.readString(dir.resolve("out.txt"), StandardCharsets.UTF_8),
                    Files.readString(dir.resolve("err.txt"), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
