package io.opentalking.controlplane.store.redis;

import io.opentalking.controlplane.testing.Await;
import io.opentalking.controlplane.testing.MainProcess;
import io.opentalking.controlplane.testing.RedisServerProcess;
import io.opentalking.controlplane.testing.TestServer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The server's log tells each change of the store's connection state once, in plain words: connected, lost,
 * not connected and why (authentication failed, without the password), connected again. The server runs as
 * its own process; Redis is a real redis-server started with {@code --requirepass}.
 */
class RedisConnectionLogIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static Map<String, String> env(String redisUrl) {
        Map<String, String> env = new HashMap<>();
        env.put("OPENTALKING_API_PORT", "0");
        env.put("OPENTALKING_AVATARS_DIR", TestServer.REPO.resolve("examples/avatars").toString());
        env.put("OPENTALKING_REDIS_URL", redisUrl);
        return env;
    }

    private static int count(String log, String text) {
        Matcher m = Pattern.compile(Pattern.quote(text)).matcher(log);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    @Test
    void wrongPasswordIsLoggedOnceAsAuthenticationFailed() throws Exception {
        String wrong = "wrong-" + UUID.randomUUID();
        try (RedisServerProcess redis = RedisServerProcess.withPassword("right-" + UUID.randomUUID())) {
            MainProcess server = MainProcess.start(env(redis.url(wrong)), "serve");
            try {
                Await.untilTrue(WAIT, "the authentication failure in the log",
                        () -> server.stderrSoFar().contains("authentication failed"));
                // The connector retries every 500 ms: a few more failed attempts, still one line.
                Thread.sleep(2_000);
                String log = server.stderrSoFar();
                assertThat(count(log, "authentication failed")).as(log).isEqualTo(1);
                assertThat(log).containsPattern("store not connected to redis redis://\\*\\*\\*@127\\.0\\.0\\.1:"
                                + redis.port() + "/0: authentication failed: Redis refused the user name or password")
                        .doesNotContain(wrong, "<unresolved>", "Unable to connect");
            } finally {
                MainProcess.Run run = server.stop();
                assertThat(run.stdout() + run.stderr()).doesNotContain(wrong);
            }
        }
    }

    @Test
    void eachConnectionStateChangeIsLoggedOnce() throws Exception {
        String password = "right-" + UUID.randomUUID();
        try (RedisServerProcess redis = RedisServerProcess.withPassword(password)) {
            MainProcess server = MainProcess.start(env(redis.url(password)), "serve");
            try {
                String connected = "store connected to redis redis://***@127.0.0.1:" + redis.port() + "/0";
                Await.untilTrue(WAIT, "connected in the log", () -> server.stderrSoFar().contains(connected));

                redis.kill();
                Await.untilTrue(WAIT, "the lost connection and the failed reconnect in the log", () -> {
                    String log = server.stderrSoFar();
                    return log.contains("store lost the connection to") && log.contains("refused");
                });
                Thread.sleep(1_500); // reconnect attempts go on; they must not add lines
                String down = server.stderrSoFar();
                assertThat(count(down, "store lost the connection to")).as(down).isEqualTo(1);
                assertThat(count(down, "store not connected to")).as(down).isEqualTo(1);
                assertThat(down).containsPattern("store not connected to .*:" + redis.port() + "/0: .*refused")
                        .doesNotContain("<unresolved>", "ConnectionWatchdog");

                redis.start();
                Await.untilTrue(WAIT, "connected again in the log", () -> count(server.stderrSoFar(), connected) == 2);
                String log = server.stderrSoFar();
                assertThat(log.indexOf("store lost the connection to")).isLessThan(log.lastIndexOf(connected));
                assertThat(log).doesNotContain(password);
            } finally {
                server.stop();
            }
        }
    }
}
