import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Session load generator (single file, source-launch mode; java.net.http on virtual threads).
 *
 * <p>N virtual threads each loop: POST /sessions {avatar_id, model}, then DELETE /sessions/{id}, for a bounded
 * time. Optional extra threads loop GET /queue/status. Prints key=value lines: cycles per second, cycle latency
 * percentiles, status counts per operation, and the failure windows of session creation (epoch ms), which the
 * Redis drill uses to measure recovery.
 *
 * <pre>
 * java bench/SessionLoad.java --url http://127.0.0.1:8000 --model mock --concurrency 16 --seconds 10
 *      [--warmup-seconds 2] [--status-threads 0] [--pause-ms 0] [--retry-delete] [--avatar demo-avatar]
 *      [--stop-file PATH]   (ends early once PATH exists; --seconds stays the upper bound)
 * </pre>
 */
public final class SessionLoad {
    private static final Pattern ID = Pattern.compile("\"session_id\"\\s*:\\s*\"([^\"]+)\"");

    private final HttpClient client;
    private final String url;
    private final String body;
    private final Duration timeout;
    private final long pauseMs;
    private final boolean retryDelete;
    private volatile boolean recording;
    private volatile boolean stop;
    private volatile long hardStopAt;

    private final LongAdder cycles = new LongAdder();
    private final Map<String, LongAdder> createStatus = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> deleteStatus = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> queueStatus = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> queueSource = new ConcurrentHashMap<>();
    private final LongAdder orphans = new LongAdder();
    private final LongAdder lostInStore = new LongAdder();
    private final List<long[]> latencies = new ArrayList<>();
    /** Failure windows of POST /sessions: {first failure, last failure, first success after} (epoch ms). */
    private final List<long[]> createWindows = new ArrayList<>();
    private final AtomicLong statusMaxMs = new AtomicLong();

    private SessionLoad(String url, String model, String avatar, Duration timeout, long pauseMs, boolean retryDelete) {
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).proxy(HttpClient.Builder.NO_PROXY).build();
        this.url = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        this.body = "{\"avatar_id\":\"" + avatar + "\",\"model\":\"" + model + "\"}";
        this.timeout = timeout;
        this.pauseMs = pauseMs;
        this.retryDelete = retryDelete;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = parse(args);
        String url = a.getOrDefault("url", "http://127.0.0.1:8000");
        int conc = Integer.parseInt(a.getOrDefault("concurrency", "16"));
        int statusThreads = Integer.parseInt(a.getOrDefault("status-threads", "0"));
        double seconds = Double.parseDouble(a.getOrDefault("seconds", "10"));
        double warmup = Double.parseDouble(a.getOrDefault("warmup-seconds", "0"));
        String stopFile = a.get("stop-file");
        SessionLoad load = new SessionLoad(url, a.getOrDefault("model", "mock"),
                a.getOrDefault("avatar", "demo-avatar"),
                Duration.ofMillis(Long.parseLong(a.getOrDefault("request-timeout-ms", "5000"))),
                Long.parseLong(a.getOrDefault("pause-ms", "0")), a.containsKey("retry-delete"));
        load.run(conc, statusThreads, warmup, seconds, stopFile);
    }

    private void run(int conc, int statusThreads, double warmup, double seconds, String stopFile)
            throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < conc; i++) {
            long[] lat = new long[1 << 16];
            synchronized (latencies) {
                latencies.add(null);
            }
            int slot = i;
            threads.add(Thread.ofVirtual().start(() -> cycleLoop(slot, lat)));
        }
        for (int i = 0; i < statusThreads; i++) {
            threads.add(Thread.ofVirtual().start(this::statusLoop));
        }
        if (warmup > 0) {
            Thread.sleep((long) (warmup * 1000));
        }
        long t0 = System.nanoTime();
        recording = true;
        System.out.println("load_started_epoch_ms=" + System.currentTimeMillis());
        System.out.flush();
        // Runs for the given seconds, or until the stop file appears (never longer than the given seconds).
        long endNs = t0 + (long) (seconds * 1e9);
        java.nio.file.Path stopPath = stopFile == null ? null : java.nio.file.Path.of(stopFile);
        while (System.nanoTime() < endNs && (stopPath == null || !java.nio.file.Files.exists(stopPath))) {
            Thread.sleep(Math.max(1, Math.min(50, (endNs - System.nanoTime()) / 1_000_000)));
        }
        recording = false;
        long elapsedNs = System.nanoTime() - t0;
        // A worker still retrying a delete gets a few more seconds, then everything ends.
        hardStopAt = System.currentTimeMillis() + (retryDelete ? 8000 : 0);
        stop = true;
        for (Thread t : threads) {
            t.join(Duration.ofSeconds(20));
        }
        report(elapsedNs / 1e9);
        System.exit(0);
    }

    private void cycleLoop(int slot, long[] initial) {
        long[] lat = initial;
        int n = 0;
        while (!stop) {
            long t0 = System.nanoTime();
            boolean rec = recording;
            String id = create();
            if (id != null) {
                if (!delete(id)) {
                    orphans.increment();
                } else if (rec) {
                    cycles.increment();
                    if (n == lat.length) {
                        lat = Arrays.copyOf(lat, n * 2);
                    }
                    lat[n++] = System.nanoTime() - t0;
                }
            }
            pause();
        }
        long[] mine = Arrays.copyOf(lat, n);
        synchronized (latencies) {
            latencies.set(slot, mine);
        }
    }

    private void pause() {
        if (pauseMs > 0) {
            try {
                Thread.sleep(pauseMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private String create() {
        HttpRequest req = HttpRequest.newBuilder(URI.create(url + "/sessions")).timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        String key;
        String id = null;
        try {
            HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());
            key = Integer.toString(r.statusCode());
            if (r.statusCode() == 200) {
                Matcher m = ID.matcher(r.body());
                if (m.find()) {
                    id = m.group(1);
                } else {
                    key = "200-without-id";
                }
            }
        } catch (java.net.http.HttpTimeoutException e) {
            key = "timeout";
        } catch (Exception e) {
            key = "io-error";
        }
        if (recording || stop) {
            count(createStatus, key);
        }
        noteCreate(id != null);
        return id;
    }

    private synchronized void noteCreate(boolean ok) {
        long now = System.currentTimeMillis();
        long[] last = createWindows.isEmpty() ? null : createWindows.get(createWindows.size() - 1);
        boolean open = last != null && last[2] == 0;
        if (ok) {
            if (open) {
                last[2] = now;
            }
        } else if (open) {
            last[1] = now;
        } else {
            createWindows.add(new long[]{now, now, 0});
        }
    }

    /** True when the session is gone (200 or 404 after a retry); false if it could not be deleted at all. */
    private boolean delete(String id) {
        boolean first = true;
        while (true) {
            HttpRequest req = HttpRequest.newBuilder(URI.create(url + "/sessions/" + id)).timeout(timeout)
                    .DELETE().build();
            String key;
            int code = -1;
            try {
                code = client.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
                key = Integer.toString(code);
            } catch (java.net.http.HttpTimeoutException e) {
                key = "timeout";
            } catch (Exception e) {
                key = "io-error";
            }
            count(deleteStatus, first ? key : "retry-" + key);
            if (code != 200 && code != 404) {
                // A store outage seen while deleting opens a failure window too: when every worker happens to be
                // deleting as the store dies, no create fails, yet the recovery is the next create that succeeds.
                noteCreate(false);
            }
            if (code == 200) {
                return true;
            }
            if (code == 404 && !first) {
                // Created, then the store forgot it (a Redis restart without persistence).
                lostInStore.increment();
                return true;
            }
            if (!retryDelete || code == 404 || System.currentTimeMillis() > hardStopAt && stop) {
                return false;
            }
            first = false;
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return false;
            }
        }
    }

    private void statusLoop() {
        HttpRequest req = HttpRequest.newBuilder(URI.create(url + "/queue/status")).timeout(timeout).GET().build();
        while (!stop) {
            long t0 = System.nanoTime();
            String key;
            try {
                HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());
                key = Integer.toString(r.statusCode());
                count(queueSource, r.headers().firstValue("X-Queue-Status-Source").orElse("none"));
            } catch (java.net.http.HttpTimeoutException e) {
                key = "timeout";
            } catch (Exception e) {
                key = "io-error";
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            statusMaxMs.accumulateAndGet(ms, Math::max);
            count(queueStatus, key);
            pause();
        }
    }

    private static void count(Map<String, LongAdder> m, String key) {
        m.computeIfAbsent(key, k -> new LongAdder()).increment();
    }

    private void report(double seconds) {
        long[] all;
        synchronized (latencies) {
            all = latencies.stream().filter(x -> x != null).flatMapToLong(Arrays::stream).sorted().toArray();
        }
        long n = cycles.sum();
        System.out.println("seconds=" + String.format("%.2f", seconds));
        System.out.println("cycles=" + n);
        System.out.println("cycles_per_s=" + String.format("%.1f", n / seconds));
        System.out.println("cycle_p50_ms=" + pct(all, 0.50));
        System.out.println("cycle_p99_ms=" + pct(all, 0.99));
        System.out.println("create_status=" + fmt(createStatus));
        System.out.println("delete_status=" + fmt(deleteStatus));
        System.out.println("queue_status=" + fmt(queueStatus));
        System.out.println("queue_source=" + fmt(queueSource));
        System.out.println("queue_status_max_ms=" + statusMaxMs.get());
        System.out.println("orphans=" + orphans.sum());
        System.out.println("lost_in_store=" + lostInStore.sum());
        long unexpected5xx = fiveXx(createStatus, "503") + fiveXx(deleteStatus, "503");
        System.out.println("unexpected_5xx=" + unexpected5xx);
        long qsBad = queueStatus.entrySet().stream().filter(e -> !e.getKey().equals("200"))
                .mapToLong(e -> e.getValue().sum()).sum();
        System.out.println("queue_status_non200=" + qsBad);
        StringBuilder w = new StringBuilder();
        synchronized (this) {
            for (long[] x : createWindows) {
                w.append(w.isEmpty() ? "" : ",").append(x[0]).append(':').append(x[1]).append(':').append(x[2]);
            }
        }
        System.out.println("create_failure_windows=" + w);
    }

    /** 5xx answers other than the documented one. */
    private static long fiveXx(Map<String, LongAdder> m, String allowed) {
        return m.entrySet().stream().filter(e -> {
            String k = e.getKey().replace("retry-", "");
            return k.startsWith("5") && !k.equals(allowed);
        }).mapToLong(e -> e.getValue().sum()).sum();
    }

    private static String pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return "nan";
        }
        int i = (int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1);
        return String.format("%.2f", sorted[Math.max(0, i)] / 1e6);
    }

    private static String fmt(Map<String, LongAdder> m) {
        StringBuilder sb = new StringBuilder();
        new TreeMap<>(m).forEach((k, v) -> sb.append(sb.isEmpty() ? "" : ",").append(k).append(':').append(v.sum()));
        return sb.toString();
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> m = new TreeMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument " + args[i]);
            }
            String k = args[i].substring(2);
            if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                m.put(k, args[++i]);
            } else {
                m.put(k, "true");
            }
        }
        return m;
    }
}
