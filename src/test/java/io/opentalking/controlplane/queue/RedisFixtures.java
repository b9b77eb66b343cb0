package io.opentalking.controlplane.queue;

import io.opentalking.controlplane.testing.Await;
import io.opentalking.controlplane.config.QueueConfig;
import io.opentalking.controlplane.config.StoreConfig;
import io.opentalking.controlplane.faults.StoreException;
import io.opentalking.controlplane.store.redis.RedisStores;
import io.opentalking.controlplane.testing.RedisServerProcess;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Opening the Redis store the way a replica does, and reading raw keys with redis-cli. */
final class RedisFixtures {
    private RedisFixtures() {
    }

    /** One replica's store: its own client and connections. */
    static RedisStores open(RedisServerProcess redis) {
        StoreConfig cfg = new StoreConfig(StoreConfig.StoreMode.REDIS, Optional.of(URI.create(redis.url())),
                Duration.ofMillis(250), Duration.ofMillis(1000), Duration.ofMillis(1000));
        RedisStores s = RedisStores.open(cfg, Duration.ofMinutes(10));
        // A cold JVM may take longer than the connect timeout for its first connection; calls fail fast until then.
        Await.untilTrue(Duration.ofSeconds(10), "the store to connect", () -> pings(s));
        return s;
    }

    private static boolean pings(RedisStores s) {
        try {
            s.ping();
            return true;
        } catch (StoreException e) {
            return false;
        }
    }

    static void close(RedisStores s) {
        try {
            s.close();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** HGETALL through redis-cli, as an operator would see it. */
    static Map<String, String> hgetall(RedisServerProcess redis, String key) {
        String out = redis.cli("--no-raw", "HGETALL", key);
        Map<String, String> m = new LinkedHashMap<>();
        if (out.isBlank() || out.equals("(empty array)")) {
            return m;
        }
        String[] lines = out.split("\n");
        if (lines.length % 2 != 0) {
            throw new AssertionError("unexpected HGETALL output: " + out);
        }
        for (int i = 0; i < lines.length; i += 2) {
            m.put(unquote(lines[i]), unquote(lines[i + 1]));
        }
        return m;
    }

    /** "1) \"field\"" → field */
    private static String unquote(String line) {
        String s = line.trim().replaceFirst("^\\d+\\)\\s*", "");
        if (s.startsWith("\"") && s.endsWith("\"") && s.length() >= 2) {
            s = s.substring(1, s.length() - 1);
        }
        return s;
    }

    static QueueConfig queueConfig(int slots, int maxQueue, Duration lease, Duration sweep) {
        return new QueueConfig(slots, maxQueue, Duration.ZERO, Duration.ZERO, Set.of("flashtalk"), lease,
                Duration.ofSeconds(60), sweep);
    }
}
