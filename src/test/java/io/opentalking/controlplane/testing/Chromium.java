package io.opentalking.controlplane.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Headless Chromium (Debian's {@code chromium}) for page tests: DOM dumps and screenshots through the command line,
 * and a live page driven over the DevTools protocol. A missing browser fails the test with a clear message; it is
 * never a silent skip.
 */
public final class Chromium {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> NAMES = List.of("chromium", "chromium-browser", "google-chrome");
    private static final Duration RUN_LIMIT = Duration.ofSeconds(60);

    private Chromium() {
    }

    /** The browser binary on PATH; fails the calling test when there is none. */
    public static Path binary() {
        String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        for (String name : NAMES) {
            for (String dir : path.split(File.pathSeparator)) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        throw new AssertionError("headless Chromium is required for this test but none of " + NAMES
                + " is on PATH; install it with 'apt-get install chromium' (.ci/run does)");
    }

    private static List<String> baseArgs(Path profile) {
        return new ArrayList<>(List.of(binary().toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-extensions", "--mute-audio",
                "--user-data-dir=" + profile));
    }

    /** Loads the page, lets its scripts run for {@code virtualTimeMs} of virtual time and returns the DOM. */
    public static String dumpDom(String url, int virtualTimeMs) {
        List<String> args = new ArrayList<>();
        args.add("--virtual-time-budget=" + virtualTimeMs);
        args.add("--dump-dom");
        args.add(url);
        return run(args, null);
    }

    /** Loads the page and writes a PNG of the given window size. */
    public static void screenshot(String url, Path png, int width, int height, int virtualTimeMs) {
        try {
            Files.createDirectories(png.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        run(List.of("--virtual-time-budget=" + virtualTimeMs, "--hide-scrollbars",
                "--screenshot=" + png.toAbsolutePath(), "--window-size=" + width + "," + height, url), png);
    }

    private static String run(List<String> extra, Path expectFile) {
        Path profile = tempProfile();
        try {
            List<String> cmd = baseArgs(profile);
            cmd.addAll(extra);
            Path err = profile.resolve("stderr.txt");
            Path out = profile.resolve("stdout.txt");
            // Output goes to files, not to a reader thread: a blocking read on ForkJoinPool.commonPool() (its only
            // thread on two cores) would starve whatever else in this JVM uses the common pool, the server included.
            Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).redirectOutput(out.toFile()).start();
            if (!p.waitFor(RUN_LIMIT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("chromium did not finish within " + RUN_LIMIT + ": " + cmd);
            }
            String stdout = Files.readString(out);
            if (p.exitValue() != 0 || (expectFile != null && !Files.isRegularFile(expectFile))) {
                throw new AssertionError("chromium exited " + p.exitValue() + "; stderr:\n" + Files.readString(err));
            }
            return stdout;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            deleteTree(profile);
        }
    }

    /** Opens the URL in a live headless browser that the test can query while it keeps running. */
    public static Page open(String url) {
        return new Page(url);
    }

    /** One page in a running browser, driven over the DevTools protocol (Runtime.evaluate). */
    public static final class Page implements AutoCloseable {
        private final Path profile = tempProfile();
        private final Process process;
        private final WebSocket socket;
        private final AtomicInteger ids = new AtomicInteger();
        private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();

        private Page(String url) {
            List<String> cmd = baseArgs(profile);
            cmd.addAll(List.of("--remote-debugging-port=0", "--remote-allow-origins=*", url));
            try {
                process = new ProcessBuilder(cmd).redirectErrorStream(true)
                        .redirectOutput(profile.resolve("output.txt").toFile()).start();
                int port = devToolsPort();
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
                String wsUrl = null;
                Instant deadline = Instant.now().plusSeconds(20);
                while (wsUrl == null && Instant.now().isBefore(deadline)) {
                    HttpResponse<String> list = http.send(HttpRequest.newBuilder(
                                    URI.create("http://127.0.0.1:" + port + "/json/list")).timeout(Duration.ofSeconds(5))
                            .build(), HttpResponse.BodyHandlers.ofString());
                    for (JsonNode t : JSON.readTree(list.body())) {
                        if ("page".equals(t.path("type").asText())) {
                            wsUrl = t.path("webSocketDebuggerUrl").asText();
                        }
                    }
                    if (wsUrl == null) {
                        Thread.sleep(100);
                    }
                }
                if (wsUrl == null) {
                    throw new AssertionError("chromium opened no page target");
                }
                socket = http.newWebSocketBuilder().buildAsync(URI.create(wsUrl), new Listener())
                        .get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                close();
                throw new AssertionError("could not drive chromium over DevTools: " + e, e);
            }
        }

        private int devToolsPort() throws IOException, InterruptedException {
            Path file = profile.resolve("DevToolsActivePort");
            Instant deadline = Instant.now().plusSeconds(30);
            while (Instant.now().isBefore(deadline)) {
                if (Files.isRegularFile(file)) {
                    List<String> lines = Files.readAllLines(file);
                    if (!lines.isEmpty() && !lines.get(0).isBlank()) {
                        return Integer.parseInt(lines.get(0).trim());
                    }
                }
                if (!process.isAlive()) {
                    throw new AssertionError("chromium exited " + process.exitValue() + ": "
                            + Files.readString(profile.resolve("output.txt")));
                }
                Thread.sleep(50);
            }
            throw new AssertionError("chromium wrote no DevToolsActivePort within 30 s");
        }

        /** Evaluates a JavaScript expression in the page and returns its value as JSON. */
        public JsonNode eval(String expression) {
            int id = ids.incrementAndGet();
            CompletableFuture<JsonNode> f = new CompletableFuture<>();
            pending.put(id, f);
            ObjectNode msg = JSON.createObjectNode().put("id", id).put("method", "Runtime.evaluate");
            msg.putObject("params").put("expression", expression).put("returnByValue", true);
            try {
                socket.sendText(JSON.writeValueAsString(msg), true).get(10, TimeUnit.SECONDS);
                JsonNode reply = f.get(10, TimeUnit.SECONDS);
                if (reply.has("error") || reply.path("result").has("exceptionDetails")) {
                    throw new AssertionError("evaluation failed: " + reply);
                }
                return reply.path("result").path("result").path("value");
            } catch (Exception e) {
                throw new AssertionError("evaluating " + expression + ": " + e, e);
            } finally {
                pending.remove(id);
            }
        }

        /** Polls a JavaScript expression until it is {@code true}; fails after the timeout. */
        public void await(String condition, Duration timeout) {
            Instant deadline = Instant.now().plus(timeout);
            while (Instant.now().isBefore(deadline)) {
                if (eval("!!(" + condition + ")").asBoolean()) {
                    return;
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
            throw new AssertionError("page condition not met within " + timeout + ": " + condition
                    + "\npage body:\n" + eval("document.body.outerHTML").asText());
        }

        private final class Listener implements WebSocket.Listener {
            private final StringBuilder buffer = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                buffer.append(data);
                if (last) {
                    try {
                        JsonNode msg = JSON.readTree(buffer.toString());
                        CompletableFuture<JsonNode> f = pending.get(msg.path("id").asInt(-1));
                        if (f != null) {
                            f.complete(msg);
                        }
                    } catch (IOException e) {
                        // not a reply we wait for
                    }
                    buffer.setLength(0);
                }
                ws.request(1);
                return null;
            }
        }

        @Override
        public void close() {
            if (socket != null) {
                socket.abort();
            }
            if (process != null) {
                List<ProcessHandle> children = process.descendants().toList();
                process.destroy();
                try {
                    if (!process.waitFor(5, TimeUnit.SECONDS)) {
                        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
            }
            deleteTree(profile);
        }
    }

    private static Path tempProfile() {
        try {
            return Files.createTempDirectory("chromium-profile-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp dir left behind is harmless
        }
    }
}
