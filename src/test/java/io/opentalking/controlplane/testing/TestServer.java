package io.opentalking.controlplane.testing;

import io.opentalking.controlplane.ControlPlane;
import io.opentalking.controlplane.config.AppConfig;
import io.opentalking.controlplane.config.ConfigLoader;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Starts the real server in-process on port 0 with a given environment (nothing read from the real one),
 * with the repository's avatars, no drain at shutdown unless asked, and a working directory of the test's choosing.
 */
public final class TestServer implements AutoCloseable {
    public static final Path REPO = Path.of("").toAbsolutePath();

    private final ControlPlane cp;
    private final TestHttp http;

    private TestServer(ControlPlane cp) {
        this.cp = cp;
        this.http = new TestHttp("http://127.0.0.1:" + cp.port());
    }

    public static TestServer start(Map<String, String> env) {
        return start(env, REPO, io.opentalking.controlplane.http.ApiServices.DEFAULT_KEEP_ALIVE);
    }

    public static TestServer start(Map<String, String> env, Path workDir, Duration sseKeepAlive) {
        Map<String, String> e = new HashMap<>();
        e.put("OPENTALKING_API_PORT", "0");
        e.put("OPENTALKING_AVATARS_DIR", REPO.resolve("examples/avatars").toString());
        e.put("OPENTALKING_MODEL_ROOT", workDir.resolve("no-models-here").toString());
        // No drain unless a test asks for one: closing goes through the drain, and most tests have no balancer.
        e.put("OPENTALKING_DRAIN_MS", "0");
        e.putAll(env);
        AppConfig cfg = ConfigLoader.load(e, workDir);
        return new TestServer(ControlPlane.start(cfg, Clock.systemUTC(), sseKeepAlive));
    }


    public TestHttp http() {
        return http;
    }

    public int port() {
        return cp.port();
    }

    public String url() {
        return "http://127.0.0.1:" + cp.port();
    }

    public ControlPlane controlPlane() {
        return cp;
    }

    /** Stops as SIGTERM does: the drain ({@code OPENTALKING_DRAIN_MS}, 0 unless the test set it), then shutdown. */
    @Override
    public void close() {
        cp.drainAndClose();
    }
}
