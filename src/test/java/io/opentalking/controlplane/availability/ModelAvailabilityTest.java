package io.opentalking.controlplane.availability;

import io.opentalking.controlplane.config.Backend;
import io.opentalking.controlplane.config.ProbeConfig;
import io.opentalking.controlplane.testing.Await;
import io.opentalking.controlplane.testing.MutableClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/** The shared snapshot on a clock the test moves: no sleeping, no timing windows. */
class ModelAvailabilityTest {
    private static final Duration REFRESH = Duration.ofSeconds(5);
    private static final Duration TIMEOUT = Duration.ofMillis(300);
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final MutableClock clock = MutableClock.atEpochPlusOneYear();

    private static ProbeConfig cfg(int failures, int successes) {
        return new ProbeConfig(TIMEOUT, REFRESH, Duration.ofSeconds(3), failures, successes, Optional.empty(),
                Optional.empty(), "/m", "/a", Optional.empty(), false);
    }

    private ModelsSnapshot snapshot(int round) {
        return new ModelsSnapshot(List.of(), Optional.of("round-" + round), clock.instant(), Duration.ZERO);
    }

    private ModelAvailability availability(ProbeRound round) {
        return new ModelAvailability(round, cfg(2, 1), ProbeObserver.NONE, clock);
    }

    @Test
    void concurrentReadersShareOneRefresh() throws Exception {
        AtomicInteger rounds = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        ModelAvailability a = availability(late -> {
            int n = rounds.incrementAndGet();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return snapshot(n);
        });
        List<ModelsSnapshot> seen = Collections.synchronizedList(new ArrayList<>());
        List<Thread> readers = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            readers.add(Thread.ofVirtual().start(() -> seen.add(a.current())));
        }
        Await.untilTrue(WAIT, "the first round to start", () -> rounds.get() == 1);
        release.countDown();
        for (Thread t : readers) {
            t.join();
        }
        // Readers that came after the round finished found it fresh: the clock has not moved.
        assertThat(rounds.get()).isEqualTo(1);
        assertThat(seen).hasSize(20).allSatisfy(s -> assertThat(s.defaultModel()).contains("round-1"));
    }

    @Test
    void aFreshSnapshotIsServedWithoutProbing() {
        AtomicInteger rounds = new AtomicInteger();
        ModelAvailability a = availability(late -> snapshot(rounds.incrementAndGet()));
        a.current();
        clock.advance(REFRESH);
        for (int i = 0; i < 100; i++) {
            assertThat(a.current().defaultModel()).contains("round-1");
        }
        assertThat(rounds.get()).isEqualTo(1);
    }

    @Test
    void aSnapshotOlderThanThePeriodIsRefreshedWithoutMakingTheReaderWait() {
        AtomicInteger rounds = new AtomicInteger();
        ModelAvailability a = availability(late -> snapshot(rounds.incrementAndGet()));
        assertThat(a.current().defaultModel()).contains("round-1");
        clock.advance(REFRESH.plusMillis(1));
        // A round is due: the reader gets the current answer at once and triggers the refresh.
        assertThat(a.current().defaultModel()).contains("round-1");
        Await.untilTrue(WAIT, "round 2 published",
                () -> a.peek().flatMap(ModelsSnapshot::defaultModel).orElse("").equals("round-2"));
        // Long past any due round (the schedule is not running here): the reader waits for a new one.
        clock.advance(REFRESH.multipliedBy(3));
        assertThat(a.current().defaultModel()).contains("round-3");
    }

    @Test
    void aHungRefreshServesTheStaleSnapshotWithinTheBound() {
        AtomicInteger rounds = new AtomicInteger();
        CountDownLatch never = new CountDownLatch(1);
        ModelAvailability a = availability(late -> {
            int n = rounds.incrementAndGet();
            if (n > 1) {
                try {
                    never.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return snapshot(n);
        });
        a.current();
        clock.advance(REFRESH.multipliedBy(10));
        long t0 = System.nanoTime();
        ModelsSnapshot s = a.current();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        never.countDown();
        assertThat(s.defaultModel()).contains("round-1");
        // Future.get waits at least its bound; the bound is the probe timeout plus a margin.
        assertThat(ms).isGreaterThanOrEqualTo(TIMEOUT.toMillis());
    }

    @Test
    void lateStatusesOfAPendingListingUpdateThePublishedSnapshot() {
        ModelStatus pending = new ModelStatus("flashtalk", Backend.OMNIRT, false, Reason.OMNIRT_UNAVAILABLE,
                Optional.of("OmniRT listing still running"));
        ModelStatus listed = new ModelStatus("flashtalk", Backend.OMNIRT, true, Reason.OMNIRT,
                Optional.of("listed by http://omnirt/v1/audio2video/models"));
        AtomicReference<Consumer<List<ModelStatus>>> lateSink = new AtomicReference<>();
        ModelAvailability a = availability(late -> {
            lateSink.set(late);
            return new ModelsSnapshot(List.of(pending), Optional.empty(), clock.instant(), TIMEOUT, Set.of("flashtalk"));
        });
        ModelsSnapshot first = a.current();
        assertThat(first.status("flashtalk").orElseThrow().connected()).isFalse();
        assertThat(first.pending()).containsExactly("flashtalk");

        clock.advanceMillis(1700);
        lateSink.get().accept(List.of(listed));
        ModelsSnapshot after = a.peek().orElseThrow();
        assertThat(after.status("flashtalk").orElseThrow()).isEqualTo(listed);
        assertThat(after.pending()).isEmpty();
        assertThat(after.takenAt()).isEqualTo(clock.instant());
    }

    @Test
    void oneFailedRoundKeepsAConnectedModelConnectedTwoDoNot() {
        AtomicReference<ModelStatus> next = new AtomicReference<>(omnirt(true));
        ModelAvailability a = availability(late -> new ModelsSnapshot(List.of(next.get()), Optional.empty(),
                clock.instant(), Duration.ZERO));
        assertThat(a.current().status("flashtalk").orElseThrow().connected()).isTrue();

        next.set(omnirt(false));
        clock.advance(REFRESH.multipliedBy(3));
        ModelStatus held = a.current().status("flashtalk").orElseThrow();
        assertThat(held.connected()).isTrue();
        assertThat(held.reason()).isEqualTo(Reason.OMNIRT);
        assertThat(held.detail()).hasValueSatisfying(d -> assertThat(d)
                .startsWith("last probe failed at " + clock.instant() + "; 1 of 2 failures").contains("refused"));

        clock.advance(REFRESH.multipliedBy(3));
        ModelStatus down = a.current().status("flashtalk").orElseThrow();
        assertThat(down.connected()).isFalse();
        assertThat(down.reason()).isEqualTo(Reason.OMNIRT_UNAVAILABLE);
    }

    @Test
    void watchersAreToldEveryModelOfTheFirstSnapshotThenOnlyTheStatusesThatChange() {
        ModelStatus mock = new ModelStatus("mock", Backend.MOCK, true, Reason.LOCAL_SELF_TEST, Optional.empty());
        AtomicReference<ModelStatus> next = new AtomicReference<>(omnirt(true));
        ModelAvailability a = new ModelAvailability(late -> new ModelsSnapshot(List.of(mock, next.get()),
                Optional.empty(), clock.instant(), Duration.ZERO), cfg(1, 1), ProbeObserver.NONE, clock);
        List<ModelChange> told = Collections.synchronizedList(new ArrayList<>());
        ModelAvailability.Watch watch = a.watch(told::add);
        assertThat(watch.current()).as("nothing published before the first round").isEmpty();

        ModelsSnapshot first = a.current();
        assertThat(told).containsExactly(new ModelChange(mock, first.takenAt()),
                new ModelChange(omnirt(true), first.takenAt()));

        told.clear();
        clock.advance(REFRESH.multipliedBy(3));
        a.current();
        assertThat(told).as("a round that changes nothing tells nothing").isEmpty();

        next.set(omnirt(false));
        clock.advance(REFRESH.multipliedBy(3));
        ModelsSnapshot third = a.current();
        assertThat(told).containsExactly(new ModelChange(omnirt(false), third.takenAt()));

        watch.close();
        next.set(omnirt(true));
        clock.advance(REFRESH.multipliedBy(3));
        assertThat(a.current().status("flashtalk").orElseThrow().connected()).isTrue();
        assertThat(told).as("nothing after the watch is closed").hasSize(1);
    }

    @Test
    void aWatchBeginsAtTheCurrentSnapshotAndALateStatusIsAChange() {
        ModelStatus pending = new ModelStatus("flashtalk", Backend.OMNIRT, false, Reason.OMNIRT_UNAVAILABLE,
                Optional.of("OmniRT listing still running"));
        AtomicReference<Consumer<List<ModelStatus>>> lateSink = new AtomicReference<>();
        ModelAvailability a = availability(late -> {
            lateSink.set(late);
            return new ModelsSnapshot(List.of(pending), Optional.empty(), clock.instant(), TIMEOUT, Set.of("flashtalk"));
        });
        ModelsSnapshot first = a.current();
        List<ModelChange> told = Collections.synchronizedList(new ArrayList<>());
        ModelAvailability.Watch watch = a.watch(told::add);
        assertThat(watch.current()).containsSame(first);
        assertThat(told).as("what the watch began with is not told again").isEmpty();

        clock.advanceMillis(1700);
        lateSink.get().accept(List.of(omnirt(true)));
        assertThat(told).containsExactly(new ModelChange(omnirt(true), clock.instant()));
    }

    @Test
    void aFailingWatcherDoesNotStopTheOthersNorThePublication() {
        ModelAvailability a = availability(late -> new ModelsSnapshot(List.of(omnirt(true)), Optional.empty(),
                clock.instant(), Duration.ZERO));
        a.watch(c -> {
            throw new IllegalStateException("broken watcher");
        });
        List<ModelChange> told = Collections.synchronizedList(new ArrayList<>());
        a.watch(told::add);
        assertThat(a.current().status("flashtalk")).contains(omnirt(true));
        assertThat(told).hasSize(1);
    }

    private static ModelStatus omnirt(boolean connected) {
        return connected
                ? new ModelStatus("flashtalk", Backend.OMNIRT, true, Reason.OMNIRT, Optional.of("listed"))
                : new ModelStatus("flashtalk", Backend.OMNIRT, false, Reason.OMNIRT_UNAVAILABLE,
                Optional.of("connection to http://omnirt refused"));
    }
}
