// Queue operations per second on one Redis shared by three store instances (as three replicas would have):
// each instance runs workers that enqueue a session and make it leave again, so every operation is one
// atomic Lua step (reclaim, op, FIFO promotion, status hash). Prints ops/s and latency percentiles.
//
//   java -cp "target/opentalking-controlplane.jar:target/libs/*" bench/QueueOps.java <redis-url> [seconds] [workers-per-instance]
import io.opentalking.controlplane.config.StoreConfig;
import io.opentalking.controlplane.queue.QueueLimits;
import io.opentalking.controlplane.queue.SlotStore;
import io.opentalking.controlplane.store.redis.RedisStores;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

public class QueueOps {
    public static void main(String[] args) throws Exception {
        String url = args[0];
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int workers = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        StoreConfig cfg = new StoreConfig(StoreConfig.StoreMode.REDIS, Optional.of(URI.create(url)),
                Duration.ofMillis(250), Duration.ofMillis(1000), Duration.ofMillis(1000));
        QueueLimits limits = new QueueLimits(4, 0, 15_000, 0, 0, 60_000);
        List<RedisStores> instances = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            instances.add(RedisStores.open(cfg, Duration.ofMinutes(5)));
        }
        AtomicLong ops = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        ConcurrentLinkedQueue<Long> latenciesMicros = new ConcurrentLinkedQueue<>();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        List<Thread> threads = new ArrayList<>();
        for (RedisStores s : instances) {
            SlotStore store = s.slots();
            for (int w = 0; w < workers; w++) {
                threads.add(Thread.ofVirtual().start(() -> {
                    while (System.nanoTime() < end) {
                        String id = UUID.randomUUID().toString();
                        for (int step = 0; step < 2; step++) {
                            long t0 = System.nanoTime();
                            try {
                                if (step == 0) {
                                    store.enqueue(id, limits);
                                } else {
                                    store.leave(id, limits);
                                }
                                ops.incrementAndGet();
                                latenciesMicros.add((System.nanoTime() - t0) / 1000);
                            } catch (RuntimeException e) {
                                errors.incrementAndGet();
                            }
                        }
                    }
                }));
            }
        }
        for (Thread t : threads) {
            t.join();
        }
        long[] l = latenciesMicros.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf("queue steps on one Redis, 3 instances x %d workers, %d s: %d ops, %.0f ops/s, errors %d, "
                        + "p50 %.2f ms, p99 %.2f ms%n", workers, seconds, ops.get(), ops.get() / (double) seconds,
                errors.get(), l.length == 0 ? 0 : l[l.length / 2] / 1000.0, l.length == 0 ? 0 : l[(int) (l.length * 0.99)] / 1000.0);
        for (RedisStores s : instances) {
            s.close();
        }
        System.exit(0);
    }
}
