package io.opentalking.controlplane.store.redis;

import io.opentalking.controlplane.faults.StoreException;
import io.opentalking.controlplane.config.StoreConfig;
import io.opentalking.controlplane.queue.Admission;
import io.opentalking.controlplane.queue.QueueChange;
import io.opentalking.controlplane.queue.QueueLimits;
import io.opentalking.controlplane.queue.SlotStore;
import io.opentalking.controlplane.queue.Transition;
import io.opentalking.controlplane.testing.Await;
import io.opentalking.controlplane.testing.RedisServerProcess;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/** Redis restarts without persistence and forgets the queue: nothing may be granted while an old holder may live. */
class RedisRestartIT {
    private static final QueueLimits LIMITS = new QueueLimits(1, 0, 1500, 0, 0, 0);

    private static RedisStores open(RedisServerProcess redis) {
        return RedisStores.open(new StoreConfig(StoreConfig.StoreMode.REDIS, Optional.of(URI.create(redis.url())),
                Duration.ofMillis(250), Duration.ofMillis(1000), Duration.ofMillis(1000)), Duration.ofMinutes(5));
    }

    /** Runs {@code step} until the restarted Redis answers it. */
    private static <T> T retry(Supplier<T> step) {
        return Await.until(Duration.ofSeconds(10), () -> "Redis to answer again", StoreException.class, step);
    }

    @Test
    void afterALostQueueNothingIsGrantedForOneLease() throws Exception {
        try (RedisServerProcess redis = new RedisServerProcess()) {
            RedisStores a = open(redis);
            RedisStores b = open(redis);
            try {
                SlotStore qa = a.slots();
                SlotStore qb = b.slots();
                assertThat(qa.enqueue("s1", LIMITS).admission()).isInstanceOf(Admission.Granted.class);
                qb.sweep(LIMITS);

                redis.kill();
                redis.start();

                long restarted = System.currentTimeMillis();
                Transition second = retry(() -> qb.enqueue("s2", LIMITS));
                assertThat(second.admission()).as("no grant while s1's holder may still believe it holds")
                        .isEqualTo(new Admission.Queued(1));
                assertThat(second.storeReplaced()).as("another server (run id) than b's step before").isTrue();
                assertThat(qb.sweep(LIMITS).storeReplaced()).as("the same server as b's step before").isFalse();
                Transition renew = retry(() -> qa.renew(List.of("s1"), List.of(), LIMITS));
                assertThat(renew.changes()).contains(new QueueChange.LeaseLost("s1"));

                // B renews its waiter as its SlotQueue would; the grant comes once the quiet lease is over.
                Await.untilTrue(Duration.ofSeconds(5), "s2 to be granted", () ->
                        qb.renew(List.of(), List.of("s2"), LIMITS).changes().contains(new QueueChange.Granted("s2")));
                assertThat(System.currentTimeMillis() - restarted).isGreaterThanOrEqualTo(LIMITS.leaseMs() - 200);
            } finally {
                a.close();
                b.close();
            }
        }
    }

    @Test
    void aFreshQueueGrantsAtOnce() throws Exception {
        try (RedisServerProcess redis = new RedisServerProcess()) {
            RedisStores a = open(redis);
            try {
                assertThat(a.slots().enqueue("first", LIMITS).admission()).isInstanceOf(Admission.Granted.class);
            } finally {
                a.close();
            }
        }
    }
}
