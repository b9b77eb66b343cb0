package io.opentalking.controlplane.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A Redis Sentinel of the test's own on a free port ({@code redis-server sentinel.conf --sentinel}), watching one
 * primary as {@code mymaster} with a quorum of 2 and short failure timings, so a failover takes a few seconds.
 */
public final class SentinelProcess implements AutoCloseable {
    public static final String MASTER = "mymaster";
    private final int port = FreePorts.free();
    private final Process process;

    public SentinelProcess(RedisServerProcess primary) {
        try {
            Path dir = Files.createTempDirectory("sentinel-test-");
            Path conf = dir.resolve("sentinel.conf");
            // Sentinel rewrites its file, so each one needs its own.
            Files.writeString(conf, String.join("\n",
                    "port " + port, "bind 127.0.0.1", "protected-mode no", "dir " + dir,
                    "sentinel monitor " + MASTER + " 127.0.0.1 " + primary.port() + " 2",
                    "sentinel down-after-milliseconds " + MASTER + " 1000",
                    "sentinel failover-timeout " + MASTER + " 3000",
                    "sentinel parallel-syncs " + MASTER + " 1", ""));
            process = new ProcessBuilder(List.of("redis-server", conf.toString(), "--sentinel"))
                    .redirectOutput(new File(dir.toFile(), "sentinel.log")).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start redis-server --sentinel", e);
        }
        Await.untilTrue(Duration.ofSeconds(10), "sentinel on " + port + " to answer", () -> "PONG".equals(cli("PING")));
    }

    public int port() {
        return port;
    }

    /** The port of the primary this sentinel currently names, or -1. */
    public int primaryPort() {
        String[] addr = cli("SENTINEL", "get-master-addr-by-name", MASTER).split("\n");
        return addr.length == 2 ? Integer.parseInt(addr[1].trim()) : -1;
    }

    public String cli(String... args) {
        return RedisServerProcess.cli(port, args);
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
