package io.opentalking.controlplane.availability;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

class ModelAvailabilityTest {
    private static ModelsSnapshot snapshot(int round) {
        return new ModelsSnapshot(List.of(), Optional.of("round-" + round), Instant.now(), Duration.ZERO);
    }

    @Test
    void concurrentReadersShareOneRefresh() throws Exception {
        AtomicInteger rounds = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        Supplier<ModelsSnapshot> slowProber = () -> {
            int n = rounds.incrementAndGet();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return snapshot(n);
        };
        ModelAvailability a = new ModelAvailability(slowProber, Duration.ofMinutes(1), Duration.ofSeconds(2),
                Clock.systemUTC());
        List<Thread> readers = new ArrayList<>();
        List<ModelsSnapshot> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 20; i++) {
            readers.add(Thread.ofVirtual().start(() -> seen.add(a.current())));
        }
        Thread.sleep(100);
        release.countDown();
        for (Thread t : readers) {
            t.join(5000);
        }
        assertThat(rounds.get()).isEqualTo(1);
        assertThat(seen).hasSize(20).allSatisfy(s -> assertThat(s.defaultModel()).contains("round-1"));
    }

    @Test
    void aFreshSnapshotIsServedWithoutProbing() {
        AtomicInteger rounds = new AtomicInteger();
        ModelAvailability a = new ModelAvailability(() -> snapshot(rounds.incrementAndGet()), Duration.ofMinutes(1),
                Duration.ofSeconds(1), Clock.systemUTC());
        a.current();
        for (int i = 0; i < 100; i++) {
            assertThat(a.current().defaultModel()).contains("round-1");
        }
        assertThat(rounds.get()).isEqualTo(1);
    }

    @Test
    void aStaleSnapshotIsRefreshedOnDemand() throws InterruptedException {
        AtomicInteger rounds = new AtomicInteger();
        ModelAvailability a = new ModelAvailability(() -> snapshot(rounds.incrementAndGet()), Duration.ofMillis(50),
                Duration.ofSeconds(1), Clock.systemUTC());
        assertThat(a.current().defaultModel()).contains("round-1");
        Thread.sleep(120);
        assertThat(a.current().defaultModel()).contains("round-2");
    }

    @Test
    void aHungRefreshServesTheStaleSnapshotWithinTheBound() throws InterruptedException {
        AtomicInteger rounds = new AtomicInteger();
        ModelAvailability a = new ModelAvailability(() -> {
            int n = rounds.incrementAndGet();
            if (n > 1) {
                try {
                    Thread.sleep(10_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return snapshot(n);
        }, Duration.ofMillis(50), Duration.ofMillis(200), Clock.systemUTC());
        a.current();
        Thread.sleep(100);
        long t0 = System.nanoTime();
        ModelsSnapshot s = a.current();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(s.defaultModel()).contains("round-1");
        assertThat(ms).isBetween(150L, 1000L);
    }
}
