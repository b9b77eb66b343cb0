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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs every {@code ```console} block of README.md against a server of its own and compares what the commands
 * print with what the README shows, so that the examples cannot drift from the server.
 *
 * <p>How to write a console block that this test runs:
 * <ul>
 *   <li>A line starting with {@code $ } is a command, run with bash in the repository directory; a command whose
 *       line ends in {@code \} goes on over the next line. The lines up to the next {@code $ } are what it prints
 *       (stdout and stderr together); trailing blank lines do not count. Its exit status does not count.</li>
 *   <li>Each block gets a fresh server, started with {@code run.sh} as on a fresh clone (memory store, nothing
 *       configured) but on a free port: {@code localhost:8000} and {@code 127.0.0.1:8000}, in commands and in
 *       output, mean that port.</li>
 *   <li>{@code ```console env:KEY=VALUE env:OTHER=VALUE}: the block's server also gets these variables (GitHub
 *       shows only "console", so the text before the block must say how the server was started).</li>
 *   <li>{@code ```console skip-ci}: the block is not run, for what CI does not have (a GPU backend, a second
 *       machine); the text should say what it needs.</li>
 *   <li>Write real-looking values in the output; these match any value of their kind: UUIDs (the first time a
 *       README id appears in an output it matches any UUID and names it; from then on that README id stands for
 *       the same value, in outputs and in later commands), ISO-8601 instants ({@code 2026-12-01T22:16:09.51Z}),
 *       HTTP dates ({@code Tue, 01 Dec 2026 22:16:08 GMT}), whole milliseconds ({@code 38ms}, {@code 38 ms}),
 *       and the value of an SSE {@code id: } line. {@code /path/to/opentalking-controlplane} is the repository's
 *       directory. A line {@code ...} alone matches any number of lines, none included.</li>
 * </ul>
 * A block with no command, output before its first command, an unknown word after {@code console}, or a command
 * using a README id no earlier output showed, fails the test.
 */
class ReadmeConsoleIT {
    private static final Path README = TestServer.REPO.resolve("README.md");
    private static final Path REPO_PLACEHOLDER = Path.of("/path/to/opentalking-controlplane");
    private static final String UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
    private static final Pattern FENCE = Pattern.compile("^(\\s*)```\\s*console\\b(.*)$");
    private static final Pattern TOKENS = Pattern.compile("(?<uuid>" + UUID + ")"
            + "|(?<instant>\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(?:\\.\\d+)?Z)"
            + "|(?<httpdate>[A-Z][a-z]{2}, \\d\\d [A-Z][a-z]{2} \\d{4} \\d\\d:\\d\\d:\\d\\d GMT)"
            + "|(?<ms>\\b\\d+(?<gap> ?)ms\\b)"
            + "|(?<repo>" + Pattern.quote(REPO_PLACEHOLDER.toString()) + ")"
            + "|(?<host>(?:localhost|127\\.0\\.0\\.1):8000)");
    private static final Pattern SSE_ID = Pattern.compile("^id: \\S+$");
    private static final Duration COMMAND_LIMIT = Duration.ofSeconds(60);

    @TempDir
    Path work;

    record Command(int line, String text, List<String> expected) {
    }

    record Block(int line, Map<String, String> env, boolean skip, List<Command> commands) {
    }

    @Test
    void everyConsoleBlockPrintsWhatTheReadmeShows() throws Exception {
        List<String> readme = Files.readAllLines(README, StandardCharsets.UTF_8);
        List<Block> blocks = parse(readme);
        long fences = readme.stream().filter(l -> FENCE.matcher(l).matches()).count();
        assertThat(blocks).as("console blocks parsed").hasSize((int) fences).isNotEmpty();

        List<String> failures = new ArrayList<>();
        int ran = 0;
        int commands = 0;
        for (Block b : blocks) {
            if (b.skip()) {
                continue;
            }
            ran++;
            commands += b.commands().size();
            String failure = run(b);
            if (failure != null) {
                failures.add("README.md block at line " + b.line() + ": " + failure);
            }
        }
        long skipped = blocks.stream().filter(Block::skip).count();
        System.out.printf("ReadmeConsoleIT: ran %d of %d console blocks (%d commands), %d marked skip-ci%n", ran,
                blocks.size(), commands, skipped);
        assertThat(ran).as("blocks run").isEqualTo(blocks.size() - skipped).isPositive();
        assertThat(failures).as("README console blocks whose output differs").isEmpty();
    }

    // ---- parsing ----

    static List<Block> parse(List<String> readme) {
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < readme.size(); i++) {
            Matcher fence = FENCE.matcher(readme.get(i));
            if (!fence.matches()) {
                continue;
            }
            int start = i + 1;
            String indent = fence.group(1);
            Map<String, String> env = new LinkedHashMap<>();
            boolean skip = false;
            for (String word : fence.group(2).trim().split("\\s+")) {
                if (word.isEmpty()) {
                    continue;
                }
                if (word.equals("skip-ci")) {
                    skip = true;
                } else if (word.startsWith("env:") && word.indexOf('=') > 4) {
                    env.put(word.substring(4, word.indexOf('=')), word.substring(word.indexOf('=') + 1));
                } else {
                    throw new AssertionError("README.md line " + start + ": unknown word '" + word
                            + "' after ```console (known: skip-ci, env:KEY=VALUE)");
                }
            }
            List<Command> commands = new ArrayList<>();
            i++;
            for (; i < readme.size() && !readme.get(i).trim().startsWith("```"); i++) {
                String line = readme.get(i).startsWith(indent) ? readme.get(i).substring(indent.length()) : readme.get(i);
                if (line.startsWith("$ ")) {
                    int at = i + 1;
                    StringBuilder cmd = new StringBuilder(line.substring(2));
                    while (cmd.toString().endsWith("\\") && i + 1 < readme.size()) {
                        cmd.append('\n').append(readme.get(++i));
                    }
                    commands.add(new Command(at, cmd.toString(), new ArrayList<>()));
                } else if (commands.isEmpty()) {
                    throw new AssertionError("README.md line " + (i + 1) + ": output before the first '$ ' command");
                } else {
                    commands.getLast().expected().add(line);
                }
            }
            if (i >= readme.size()) {
                throw new AssertionError("README.md line " + start + ": console block never closed");
            }
            if (commands.isEmpty()) {
                throw new AssertionError("README.md line " + start + ": console block without a '$ ' command");
            }
            blocks.add(new Block(start, env, skip, commands));
        }
        return blocks;
    }

    // ---- running ----

    /** Runs one block on a server of its own; null when every command printed what the README shows. */
    private String run(Block b) throws Exception {
        int port = FreePorts.free();
        Map<String, String> env = new HashMap<>(b.env());
        env.put("OPENTALKING_API_PORT", Integer.toString(port));
        // Not shown in any output: a cold JVM on a busy CI machine may need more than 1 s for the mock self-test,
        // which would make mock "not connected" in the first round.
        env.putIfAbsent("OPENTALKING_PROBE_TIMEOUT_MS", "5000");
        Path log = work.resolve("server-" + b.line() + ".log");
        Process server = RunSh.start(TestServer.REPO, env, log);
        try {
            TestHttp http = new TestHttp("http://127.0.0.1:" + port);
            Await.until(Duration.ofSeconds(60), () -> "run.sh to serve; log:\n" + read(log),
                    UncheckedIOException.class, () -> {
                        assertThat(server.isAlive()).as("run.sh alive; log:\n" + read(log)).isTrue();
                        return http.get("/healthz").status() == 200 ? true : null;
                    });
            Map<String, String> ids = new HashMap<>();
            for (Command c : b.commands()) {
                String cmd = substitute(c, ids, port);
                List<String> actual = lines(execute(cmd));
                List<String> expected = trimTrailingBlanks(c.expected());
                Map<String, String> bound = match(expected, 0, actual, 0, ids, port);
                if (bound == null) {
                    return "command at line " + c.line() + " printed something else\n$ " + cmd
                            + "\n--- README shows:\n" + String.join("\n", expected)
                            + "\n--- it printed:\n" + String.join("\n", actual) + "\n--- server log:\n" + read(log);
                }
                ids = bound;
            }
            return null;
        } finally {
            server.destroy();
            if (!server.waitFor(20, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
    }

    /** The command as run: README ids become the values they were bound to, port 8000 the server's. */
    private static String substitute(Command c, Map<String, String> ids, int port) {
        Matcher m = TOKENS.matcher(c.text());
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String with;
            if (m.group("uuid") != null) {
                with = ids.get(m.group("uuid"));
                if (with == null) {
                    throw new AssertionError("README.md line " + c.line() + ": the command uses " + m.group("uuid")
                            + ", which no earlier output of its block showed");
                }
            } else if (m.group("host") != null) {
                with = m.group("host").replace(":8000", ":" + port);
            } else if (m.group("repo") != null) {
                with = TestServer.REPO.toString();
            } else {
                with = m.group();
            }
            m.appendReplacement(out, Matcher.quoteReplacement(with));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String execute(String cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", cmd).directory(TestServer.REPO.toFile())
                .redirectErrorStream(true);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        // For commands that run ./run.sh themselves (doctor): no CDS archive written by a test, and the same
        // probe allowance as the block's server; neither shows in any output.
        pb.environment().put("JAVA_OPTS", "-Xmx96m -XX:TieredStopAtLevel=1");
        pb.environment().put("OPENTALKING_PROBE_TIMEOUT_MS", "5000");
        Process p = pb.start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        try {
            String text = out.get(COMMAND_LIMIT.toSeconds(), TimeUnit.SECONDS);
            p.waitFor(COMMAND_LIMIT.toSeconds(), TimeUnit.SECONDS);
            return text;
        } catch (TimeoutException e) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError("'" + cmd + "' did not finish within " + COMMAND_LIMIT
                    + " (a stream without --max-time?)");
        }
    }

    // ---- matching ----

    /**
     * Matches expected lines against actual ones from the given positions; returns the README ids bound so far
     * (the given ones and those this match bound), or null when they do not match.
     */
    static Map<String, String> match(List<String> expected, int e, List<String> actual, int a,
                                     Map<String, String> ids, int port) {
        if (e == expected.size()) {
            return a == actual.size() ? ids : null;
        }
        if (expected.get(e).trim().equals("...")) {
            for (int k = a; k <= actual.size(); k++) {
                Map<String, String> r = match(expected, e + 1, actual, k, ids, port);
                if (r != null) {
                    return r;
                }
            }
            return null;
        }
        if (a == actual.size()) {
            return null;
        }
        Map<String, String> newIds = new LinkedHashMap<>();
        Pattern p = linePattern(expected.get(e), ids, newIds, port);
        Matcher m = p.matcher(actual.get(a));
        if (!m.matches()) {
            return null;
        }
        Map<String, String> bound = new HashMap<>(ids);
        for (Map.Entry<String, String> n : newIds.entrySet()) {
            String value = m.group(n.getValue());
            if (bound.containsValue(value)) {
                return null; // two README ids are two different values
            }
            bound.put(n.getKey(), value);
        }
        return match(expected, e + 1, actual, a + 1, bound, port);
    }

    /** One expected line as a regex; {@code newIds} receives README id → group name for ids not bound yet. */
    static Pattern linePattern(String line, Map<String, String> ids, Map<String, String> newIds, int port) {
        if (SSE_ID.matcher(line).matches()) {
            return SSE_ID;
        }
        Matcher m = TOKENS.matcher(line);
        StringBuilder re = new StringBuilder();
        int last = 0;
        while (m.find()) {
            re.append(Pattern.quote(line.substring(last, m.start())));
            last = m.end();
            if (m.group("uuid") != null) {
                String id = m.group("uuid");
                if (ids.containsKey(id)) {
                    re.append(Pattern.quote(ids.get(id)));
                } else if (newIds.containsKey(id)) {
                    re.append("\\k<").append(newIds.get(id)).append('>');
                } else {
                    String group = "id" + newIds.size();
                    newIds.put(id, group);
                    re.append("(?<").append(group).append('>').append(UUID).append(')');
                }
            } else if (m.group("instant") != null) {
                re.append("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(?:\\.\\d+)?Z");
            } else if (m.group("httpdate") != null) {
                re.append("[A-Z][a-z]{2}, \\d\\d [A-Z][a-z]{2} \\d{4} \\d\\d:\\d\\d:\\d\\d GMT");
            } else if (m.group("ms") != null) {
                re.append("\\d+").append(Pattern.quote(m.group("gap") + "ms"));
            } else if (m.group("repo") != null) {
                re.append(Pattern.quote(TestServer.REPO.toString()));
            } else {
                re.append(Pattern.quote(m.group("host").replace(":8000", ":" + port)));
            }
        }
        re.append(Pattern.quote(line.substring(last)));
        return Pattern.compile(re.toString());
    }

    private static List<String> lines(String text) {
        List<String> out = new ArrayList<>();
        for (String l : text.split("\n", -1)) {
            out.add(l.endsWith("\r") ? l.substring(0, l.length() - 1) : l);
        }
        return trimTrailingBlanks(out);
    }

    private static List<String> trimTrailingBlanks(List<String> lines) {
        int n = lines.size();
        while (n > 0 && lines.get(n - 1).isBlank()) {
            n--;
        }
        return List.copyOf(lines.subList(0, n));
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
