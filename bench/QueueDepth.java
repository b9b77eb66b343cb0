// Queue depth and cross-replica freshness for bench/run.sh; prints key=value lines.
//
//   java -cp "target/opentalking-controlplane.jar:target/libs/*" bench/QueueDepth.java \
//        depth <redis-url> <server-url> <depths,comma,separated> <seconds-per-depth> <sweeps-per-depth>
//   java -cp ... bench/QueueDepth.java freshness <redis-url> <server-a-url> <server-b-url> <changes>
//
// depth: the server must run with OPENTALKING_FLASHTALK_SLOTS=1, OPENTALKING_FLASHTALK_MAX_QUEUE_SIZE=0 and a
// slot model "mock". One slot holder and N waiters are written straight into the queue's sorted sets (through
// queue steps, filling 10,000 places would itself cost O(n^2)), with leases a day long, so neither sweeps nor
// renewals remove them. At each depth: POST+DELETE /sessions cycles for the given time (each new session waits
// at position N+1, then leaves), and sweep steps timed through a store instance of this process's own (another
// replica's sweep).
// freshness: (same server settings) POST /sessions on A (one more waiter each, behind the same kind of holder),
// then DELETE them; after each answer
// from A, B's /queue/status is read back to back until it shows the change; the time from A's answer to the end
// of B's first matching answer (so it includes one HTTP round trip to B) is one sample.
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.api.StatefulRedisConnection;
import io.opentalking.controlplane.config.StoreConfig;
import io.opentalking.controlplane.queue.QueueLimits;
import io.opentalking.controlplane.store.redis.RedisKeys;
import io.opentalking.controlplane.store.redis.RedisStores;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class QueueDepth {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final String CREATE = "{\"avatar_id\":\"demo-avatar\",\"model\":\"mock\"}";
    private static final Pattern ID = Pattern.compile("\"session_id\":\"([^\"]+)\"");
    private static final Pattern SIZE = Pattern.compile("\"queue_size\":(\\d+)");
    private static final long DAY_MS = 86_400_000L;

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "depth" -> depth(args[1], args[2], args[3], Integer.parseInt(args[4]), Integer.parseInt(args[5]));
            case "freshness" -> freshness(args[1], args[2], args[3], Integer.parseInt(args[4]));
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
        System.exit(0);
    }

    @SuppressWarnings("unchecked") // ScoredValue<String>[] for zadd's varargs
    static void depth(String redisUrl, String server, String depths, int seconds, int sweeps) throws Exception {
        RedisClient client = RedisClient.create(redisUrl);
        StatefulRedisConnection<String, String> c = client.connect();
        RedisStores replica = RedisStores.open(new StoreConfig(StoreConfig.StoreMode.REDIS,
                Optional.of(URI.create(redisUrl)), Duration.ofMillis(250), Duration.ofSeconds(30),
                Duration.ofSeconds(1)), Duration.ofMinutes(5));
        // The server's defaults with an unlimited queue.
        QueueLimits limits = new QueueLimits(1, 0, 15_000, 3_600_000, 600_000, 60_000);
        long now = holdTheSlot(c);
        int filled = 0;
        boolean warm = false;
        for (String d : depths.split(",")) {
            int depth = Integer.parseInt(d.trim());
            for (int from = filled; from < depth; from += 1000) {
                int to = Math.min(depth, from + 1000);
                List<ScoredValue<String>> order = new ArrayList<>();
                List<ScoredValue<String>> leases = new ArrayList<>();
                for (int i = from; i < to; i++) {
                    order.add(ScoredValue.just(i + 1, "bench-waiter-" + i));
                    leases.add(ScoredValue.just(now + DAY_MS, "bench-waiter-" + i));
                }
                c.sync().zadd(RedisKeys.WAITING, order.toArray(ScoredValue[]::new));
                c.sync().zadd(RedisKeys.WAIT_LEASES, leases.toArray(ScoredValue[]::new));
            }
            filled = Math.max(filled, depth);
            // Newcomers queue after every waiter written here.
            c.sync().set(RedisKeys.SEQUENCE, Long.toString(1_000_000_000L));
            if (!warm) {
                // The first depth must not pay for the JIT of the server and of this client: warm both up first.
                cycles(server, depth, seconds);
                for (int i = 0; i < sweeps; i++) {
                    replica.slots().sweep(limits);
                }
                warm = true;
            }
            List<Double> cycles = cycles(server, depth, seconds);
            List<Double> sweepMs = new ArrayList<>();
            for (int i = 0; i < sweeps; i++) {
                long t0 = System.nanoTime();
                replica.slots().sweep(limits);
                sweepMs.add((System.nanoTime() - t0) / 1e6);
            }
            String k = "depth_" + depth;
            System.out.printf("%s_cycles=%d%n%s_p50_ms=%.2f%n%s_p99_ms=%.2f%n%s_sweep_p50_ms=%.2f%n%s_sweep_p99_ms=%.2f%n",
                    k, cycles.size(), k, pct(cycles, 50), k, pct(cycles, 99), k, pct(sweepMs, 50), k, pct(sweepMs, 99));
        }
        replica.close();
        c.close();
        client.shutdown();
    }

    /** POST+DELETE /sessions cycles for about {@code seconds} (at least 5, at most 2000); each time in ms. */
    private static List<Double> cycles(String server, int depth, int seconds) throws Exception {
        List<Double> cycles = new ArrayList<>();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while ((System.nanoTime() < end || cycles.size() < 5) && cycles.size() < 2000) {
            long t0 = System.nanoTime();
            String body = send(HttpRequest.newBuilder(URI.create(server + "/sessions"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(CREATE)));
            Matcher m = ID.matcher(body);
            if (!m.find() || !body.contains("\"queued\"")) {
                throw new IllegalStateException("POST /sessions at depth " + depth + " answered " + body);
            }
            send(HttpRequest.newBuilder(URI.create(server + "/sessions/" + m.group(1))).DELETE());
            cycles.add((System.nanoTime() - t0) / 1e6);
        }
        return cycles;
    }

    /** A holder no one renews, with a lease a day long: every new session waits behind it. */
    private static long holdTheSlot(StatefulRedisConnection<String, String> c) {
        long now = Long.parseLong(c.sync().time().get(0)) * 1000;
        c.sync().zadd(RedisKeys.HOLDERS, now + DAY_MS, "bench-holder");
        return now;
    }

    static void freshness(String redisUrl, String a, String b, int changes) throws Exception {
        RedisClient client = RedisClient.create(redisUrl);
        StatefulRedisConnection<String, String> c = client.connect();
        holdTheSlot(c);
        c.close();
        client.shutdown();
        // The next queue step rewrites the hash with the holder counted; wait for B to show a settled state.
        Thread.sleep(1000);
        int base = size(get(b));
        List<String> ids = new ArrayList<>();
        List<Double> ms = new ArrayList<>();
        int missed = 0;
        for (int i = 0; i < changes; i++) {
            boolean add = i < (changes + 1) / 2;
            if (add) {
                Matcher m = ID.matcher(send(HttpRequest.newBuilder(URI.create(a + "/sessions"))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(CREATE))));
                if (!m.find()) {
                    throw new IllegalStateException("POST /sessions on A failed");
                }
                ids.add(m.group(1));
            } else {
                send(HttpRequest.newBuilder(URI.create(a + "/sessions/" + ids.removeLast())).DELETE());
            }
            long changed = System.nanoTime();
            int want = base + ids.size();
            double seen = Double.NaN;
            while (System.nanoTime() - changed < 2_000_000_000L) {
                if (size(get(b)) == want) {
                    seen = (System.nanoTime() - changed) / 1e6;
                    break;
                }
            }
            if (Double.isNaN(seen)) {
                missed++;
            } else {
                ms.add(seen);
            }
        }
        System.out.printf("fresh_n=%d%nfresh_missed=%d%nfresh_p50_ms=%.2f%nfresh_p99_ms=%.2f%nfresh_max_ms=%.2f%n",
                ms.size(), missed, pct(ms, 50), pct(ms, 99), pct(ms, 100));
    }

    private static String get(String server) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(server + "/queue/status")).GET());
    }

    private static int size(String statusBody) {
        Matcher m = SIZE.matcher(statusBody);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    private static String send(HttpRequest.Builder req) throws Exception {
        HttpResponse<String> r = HTTP.send(req.timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException(r.request().method() + " " + r.request().uri() + " answered "
                    + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    private static double pct(List<Double> xs, int p) {
        if (xs.isEmpty()) {
            return Double.NaN;
        }
        double[] s = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return s[Math.min(s.length - 1, (int) Math.ceil(p / 100.0 * s.length) - 1)];
    }
}
