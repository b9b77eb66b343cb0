package io.opentalking.controlplane.http;

import io.opentalking.controlplane.testing.Await;
import io.opentalking.controlplane.testing.TestServer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

import static org.assertj.core.api.Assertions.assertThat;

/** OPENTALKING_ACCESS_LOG: one line per request (method, path without the query, status, ms); off by default. */
class AccessLogIT {
    private static final Logger ACCESS = Logger.getLogger("io.opentalking.controlplane.access");
    /** A line is written once the answer has gone out: how long one may trail the client, on and off alike. */
    private static final Duration LINE_WINDOW = Duration.ofSeconds(5);

    private static final class Collect extends Handler {
        final List<String> lines = new CopyOnWriteArrayList<>();
        private final SimpleFormatter format = new SimpleFormatter();

        @Override
        public void publish(LogRecord r) {
            lines.add(format.formatMessage(r));
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    /** Collects the access log at INFO, so silence can only come from the server's setting. */
    private static Collect collect() {
        Collect c = new Collect();
        ACCESS.addHandler(c);
        ACCESS.setLevel(Level.INFO);
        return c;
    }

    @Test
    void oneLinePerRequestWhenOn() {
        Collect c = collect();
        try (TestServer s = TestServer.start(Map.of("OPENTALKING_ACCESS_LOG", "true"))) {
            s.http().get("/health");
            s.http().get("/sessions/nope?token=secret");
            s.http().method("PUT", "/models");
            s.http().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(s.url() + "/sessions"))
                    .method("OPTIONS", java.net.http.HttpRequest.BodyPublishers.noBody())
                    .header("Origin", "http://localhost:5173").header("Access-Control-Request-Method", "POST"));
            Await.untilTrue(LINE_WINDOW, "four access-log lines", () -> c.lines.size() >= 4);
            assertThat(c.lines).hasSize(4);
            String http11 = "127\\.0\\.0\\.1 \"%s HTTP/1\\.1\" %d \\d+ms";
            assertThat(c.lines.get(0)).matches(http11.formatted("GET /health", 200));
            assertThat(c.lines.get(1)).matches(http11.formatted("GET /sessions/nope", 404)).doesNotContain("secret");
            assertThat(c.lines.get(2)).matches(http11.formatted("PUT /models", 405));
            assertThat(c.lines.get(3)).matches(http11.formatted("OPTIONS /sessions", 204));
        } finally {
            ACCESS.removeHandler(c);
        }
    }

    @Test
    void silentByDefault() {
        Collect c = collect();
        try (TestServer s = TestServer.start(Map.of())) {
            s.http().get("/health");
            s.http().get("/models");
            Await.never(LINE_WINDOW, "an access-log line", () -> !c.lines.isEmpty());
        } finally {
            ACCESS.removeHandler(c);
        }
    }
}
