package io.opentalking.controlplane.availability;

import io.opentalking.controlplane.config.ProbeConfig;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Holds the published {@link ModelsSnapshot}. A background schedule starts a round every refresh period (the
 * period is between the starts of two rounds); each round's statuses pass the {@link StatusHold} thresholds
 * before they are published. A reader that finds the snapshot older than the period triggers (or joins) the one
 * refresh in flight; it waits only when no round can have been due, and then at most the probe timeout plus a
 * margin before it takes the stale answer. Watchers are told each model whose status object differs from the one
 * in the snapshot published before (every model, for the first snapshot).
 */
public final class ModelAvailability implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ModelAvailability.class.getName());
    private static final Duration WAIT_MARGIN = Duration.ofMillis(250);

    private final ProbeRound prober;
    private final Duration refreshInterval;
    private final Duration probeTimeout;
    private final StatusHold hold;
    private final ProbeObserver observer;
    private final Clock clock;
    private final AtomicReference<ModelsSnapshot> current = new AtomicReference<>();
    private final AtomicReference<CompletableFuture<ModelsSnapshot>> inFlight = new AtomicReference<>();
    private final List<Consumer<ModelChange>> watchers = new CopyOnWriteArrayList<>();
    /** Late statuses that arrived before their round was published; guarded by {@code this}. */
    private List<ModelStatus> early = List.of();
    private final ScheduledExecutorService schedule = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("models-refresh").unstarted(r));

    public ModelAvailability(ProbeRound prober, ProbeConfig cfg, ProbeObserver observer, Clock clock) {
        this.prober = prober;
        this.refreshInterval = cfg.refreshInterval();
        this.probeTimeout = cfg.timeout();
        this.hold = new StatusHold(cfg.failureThreshold(), cfg.successThreshold());
        this.observer = observer;
        this.clock = clock;
    }

    /** Starts the first round now and one every refresh period after it. */
    public void start() {
        schedule.scheduleAtFixedRate(this::scheduledRound, 0, refreshInterval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void scheduledRound() {
        try {
            waitFor(refreshAsync(), probeTimeout.plus(WAIT_MARGIN));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // Never let an exception escape: it would cancel the schedule for good.
            LOG.log(System.Logger.Level.WARNING, "model refresh failed", e);
        }
    }

    /** The snapshot readers should use: fresh, or the best available within the wait bound. */
    public ModelsSnapshot current() {
        ModelsSnapshot snap = current.get();
        if (snap != null && snap.age(clock.instant()).compareTo(refreshInterval) <= 0) {
            return snap;
        }
        CompletableFuture<ModelsSnapshot> f = refreshAsync();
        if (snap != null && snap.age(clock.instant()).compareTo(refreshInterval.plus(probeTimeout).plus(WAIT_MARGIN)) <= 0) {
            // A round is due or running now; its result replaces this one without anyone waiting for it.
            return snap;
        }
        try {
            return waitFor(f, probeTimeout.plus(WAIT_MARGIN));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "on-demand model refresh failed; serving the last snapshot", e);
        }
        if (snap != null) {
            return snap;
        }
        // Only reachable if the very first round overran its own bound: wait for it, it is bounded too.
        try {
            return f.get();
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException("no model snapshot available", e);
        }
    }

    /**
     * A subscription to status changes, and the snapshot published when it began: every change after that
     * snapshot reaches the watcher, none before it. Closing it unsubscribes.
     */
    public record Watch(Optional<ModelsSnapshot> current, Runnable cancel) implements AutoCloseable {
        @Override
        public void close() {
            cancel.run();
        }
    }

    /**
     * Subscribes {@code watcher} to model changes. It is called on the publishing thread, in publication order,
     * and must not block (hand the change to a queue).
     */
    public synchronized Watch watch(Consumer<ModelChange> watcher) {
        Objects.requireNonNull(watcher, "watcher");
        watchers.add(watcher);
        return new Watch(Optional.ofNullable(current.get()), () -> watchers.remove(watcher));
    }

    /** The latest snapshot without waiting, if any round has finished. */
    public Optional<ModelsSnapshot> peek() {
        return Optional.ofNullable(current.get());
    }

    /** Starts a refresh unless one is running; every caller gets the same future. */
    public CompletableFuture<ModelsSnapshot> refreshAsync() {
        while (true) {
            CompletableFuture<ModelsSnapshot> running = inFlight.get();
            if (running != null) {
                return running;
            }
            CompletableFuture<ModelsSnapshot> mine = new CompletableFuture<>();
            if (inFlight.compareAndSet(null, mine)) {
                Thread.ofVirtual().name("models-probe").start(() -> {
                    // Cleared before completing, so a caller woken by this round never joins it again.
                    try {
                        ModelsSnapshot s = publish(prober.probe(this::publishLate));
                        inFlight.compareAndSet(mine, null);
                        mine.complete(s);
                    } catch (Throwable t) {
                        inFlight.compareAndSet(mine, null);
                        mine.completeExceptionally(t);
                    }
                });
                return mine;
            }
        }
    }

    private synchronized ModelsSnapshot publish(ModelsSnapshot raw) {
        ModelsSnapshot published = hold.apply(raw);
        if (!early.isEmpty() && awaits(published, early)) {
            published = published.withLateStatuses(hold.applyLate(early, clock.instant()), clock.instant());
        }
        early = List.of();
        replace(published);
        return published;
    }

    /** Statuses of a round's pending models (the slow OmniRT listing answered after the round's snapshot). */
    private synchronized void publishLate(List<ModelStatus> late) {
        ModelsSnapshot snap = current.get();
        if (snap == null || !awaits(snap, late)) {
            // The listing answered between the round's deadline and its publication: apply it right after.
            early = List.copyOf(late);
            return;
        }
        replace(snap.withLateStatuses(hold.applyLate(late, clock.instant()), clock.instant()));
    }

    /** Publishes {@code next} and tells the watchers what differs from the snapshot it replaces. Under the lock. */
    private void replace(ModelsSnapshot next) {
        ModelsSnapshot before = current.getAndSet(next);
        observer.snapshotTaken(next);
        for (ModelStatus s : next.statuses()) {
            if (before == null || !before.status(s.id()).equals(Optional.of(s))) {
                ModelChange change = new ModelChange(s, next.takenAt());
                for (Consumer<ModelChange> w : watchers) {
                    try {
                        w.accept(change);
                    } catch (RuntimeException e) {
                        // One broken watcher must not stop the others nor the publication.
                        LOG.log(System.Logger.Level.WARNING, "a model change watcher failed", e);
                    }
                }
            }
        }
    }

    private static boolean awaits(ModelsSnapshot snap, List<ModelStatus> late) {
        return late.stream().allMatch(s -> snap.pending().contains(s.id()));
    }

    private static ModelsSnapshot waitFor(CompletableFuture<ModelsSnapshot> f, Duration max)
            throws InterruptedException {
        try {
            return f.get(max.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("model refresh still running after " + max.toMillis() + " ms");
        } catch (ExecutionException e) {
            throw new IllegalStateException("model refresh failed", e.getCause());
        }
    }

    @Override
    public void close() {
        schedule.shutdownNow();
    }
}
