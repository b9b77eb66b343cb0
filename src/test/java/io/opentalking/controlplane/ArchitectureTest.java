package io.opentalking.controlplane;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Packages show the architecture: domain code imports neither the web framework nor the Redis client. */
class ArchitectureTest {
    private static final Path SRC = Path.of("src/main/java/io/opentalking/controlplane");
    private static final List<String> DOMAIN = List.of("config", "availability", "queue", "sessions", "avatars",
            "events", "synth");

    private static List<String> violations(Path dir, List<String> forbidden) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                for (String line : Files.readAllLines(f)) {
                    for (String bad : forbidden) {
                        if (line.startsWith("import " + bad) || line.startsWith("import static " + bad)) {
                            out.add(SRC.relativize(f) + ": " + line);
                        }
                    }
                }
            }
        }
        return out;
    }

    @Test
    void domainPackagesImportNeitherHelidonNorLettuce() throws IOException {
        List<String> found = new ArrayList<>();
        for (String pkg : DOMAIN) {
            found.addAll(violations(SRC.resolve(pkg), List.of("io.helidon", "io.lettuce", "io.micrometer",
                    "io.opentalking.controlplane.http", "io.opentalking.controlplane.store")));
        }
        assertThat(found).isEmpty();
    }

    @Test
    void onlyTheRootPackageKnowsTheRedisStore() throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(SRC)) {
            for (Path d : dirs.filter(Files::isDirectory).toList()) {
                if (!d.getFileName().toString().equals("store")) {
                    found.addAll(violations(d, List.of("io.opentalking.controlplane.store.redis")));
                }
            }
        }
        assertThat(found).isEmpty();
        assertThat(violations(SRC.resolve("store/memory"), List.of("io.lettuce"))).isEmpty();
    }
}
