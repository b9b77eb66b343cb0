package io.opentalking.controlplane.testing;

import io.opentalking.controlplane.store.redis.RedisKeys;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A redis-server of the test's own on a free port, with no persistence, that can be stopped and restarted on
 * the same port to simulate outages. Never touches the machine's shared Redis.
 */
public final class RedisServerProcess implements AutoCloseable {
    private final int port;
    private final Path dir;
    private final List<String> extraArgs;
    /** Set with {@link #withPassword}: the server requires it and {@link #cli} sends it. */
    private final String password;
    private Process process;

    public RedisServerProcess() {
        this(FreePorts.free());
    }

    public RedisServerProcess(int port) {
        this(port, List.of(), null);
        markQueueEstablished();
    }

    /** A server that refuses clients without this password ({@code --requirepass}). */
    public static RedisServerProcess withPassword(String password) {
        RedisServerProcess r = new RedisServerProcess(FreePorts.free(), List.of("--requirepass", password), password);
        r.markQueueEstablished();
        return r;
    }

    /** A replica of {@code primary} (read-only, so no epoch is written): for Sentinel set-ups. */
    public static RedisServerProcess replicaOf(RedisServerProcess primary) {
        return new RedisServerProcess(FreePorts.free(), List.of("--replicaof", "127.0.0.1",
                Integer.toString(primary.port())), null);
    }

    private RedisServerProcess(int port, List<String> extraArgs, String password) {
        this.port = port;
        this.extraArgs = List.copyOf(extraArgs);
        this.password = password;
        try {
            this.dir = Files.createTempDirectory("redis-test-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        start();
    }

    /**
     * Writes a queue epoch born long ago, as on a Redis that has served the queue for a while: a missing epoch
     * makes the first queue step start a quiet lease (no grants), which tests of everything else must not wait
     * out. Only for a first start or after a flush by the test; a restart must stay empty, as an outage is.
     */
    public void markQueueEstablished() {
        String reply = cli("SET", RedisKeys.EPOCH, "0.0");
        if (!"OK".equals(reply)) {
            throw new IllegalStateException("SET epoch answered " + reply);
        }
    }

    public synchronized void start() {
        if (process != null && process.isAlive()) {
            return;
        }
        try {
            List<String> cmd = new java.util.ArrayList<>(List.of("redis-server", "--port", Integer.toString(port),
                    "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString(),
                    "--protected-mode", "no"));
            cmd.addAll(extraArgs);
            process = new ProcessBuilder(cmd)
                    .redirectOutput(new File(dir.toFile(), "redis.log"))
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start redis-server (is it installed?)", e);
        }
        waitFor(true);
    }

    /** Kills the server at once (SIGKILL): clients see a dead peer, the data is gone. */
    public synchronized void kill() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        waitFor(false);
    }

    /** SIGSTOP: the server keeps its connections open and answers nothing, as a stalled host does. */
    public synchronized void pause() {
        signal("-STOP");
    }

    /** SIGCONT after {@link #pause()}. */
    public synchronized void resume() {
        signal("-CONT");
    }

    private void signal(String sig) {
        try {
            int rc = new ProcessBuilder("kill", sig, Long.toString(process.pid())).inheritIO().start().waitFor();
            if (rc != 0) {
                throw new IllegalStateException("kill " + sig + " exited " + rc);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void waitFor(boolean up) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
        while (Instant.now().isBefore(deadline)) {
            boolean answering;
            try (Socket s = new Socket("127.0.0.1", port)) {
                answering = true;
            } catch (IOException e) {
                answering = false;
            }
            if (answering == up) {
                return;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        throw new IllegalStateException("redis-server on port " + port + " did not " + (up ? "start" : "stop"));
    }

    public int port() {
        return port;
    }

    public String url() {
        return "redis://127.0.0.1:" + port + "/0";
    }

    /** The url with this password in it, e.g. a wrong one. */
    public String url(String withPassword) {
        return "redis://:" + withPassword + "@127.0.0.1:" + port + "/0";
    }

    /** Runs redis-cli against this server and returns its output. */
    public String cli(String... args) {
        return cli(port, password, args);
    }

    /** redis-cli against any local port (a server or a sentinel). */
    static String cli(int port, String... args) {
        return cli(port, null, args);
    }

    private static String cli(int port, String password, String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of("redis-cli", "-p", Integer.toString(port)));
        if (password != null) {
            cmd.addAll(List.of("--no-auth-warning", "-a", password));
        }
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor();
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        kill();
    }
}
