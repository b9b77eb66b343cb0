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
            Await.untilTrue(LINE_WINDOW, "three access-log lines", () -> c.lines.size() >= 3);
            assertThat(c.lines).hasSize(3);
            assertThat(c.lines.get(0)).matches("GET /health 200 \\d+ms");
            assertThat(c.lines.get(1)).matches("GET /sessions/nope 404 \\d+ms").doesNotContain("secret");
            assertThat(c.lines.get(2)).matches("PUT /models 405 \\d+ms");
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
