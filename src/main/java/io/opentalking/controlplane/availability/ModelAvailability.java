package io.opentalking.controlplane.availability;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Holds the latest {@link ModelsSnapshot}. A background loop refreshes it early enough that it never turns stale
 * in steady state; a reader that finds it stale (or missing) joins the one refresh in flight, started on demand,
 * and waits at most the probe timeout plus a margin before it takes the stale answer.
 */
public final class ModelAvailability implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ModelAvailability.class.getName());
    private static final Duration WAIT_MARGIN = Duration.ofMillis(250);

    private final Supplier<ModelsSnapshot> prober;
    private final Duration refreshInterval;
    private final Duration probeTimeout;
    private final Clock clock;
    private final AtomicReference<ModelsSnapshot> current = new AtomicReference<>();
    private final AtomicReference<CompletableFuture<ModelsSnapshot>> inFlight = new AtomicReference<>();
    private volatile Thread loop;
    private volatile boolean closed;

    public ModelAvailability(Supplier<ModelsSnapshot> prober, Duration refreshInterval, Duration probeTimeout,
                             Clock clock) {
        this.prober = prober;
        this.refreshInterval = refreshInterval;
        this.probeTimeout = probeTimeout;
        this.clock = clock;
    }

    /** Starts the first round now and the background loop after it. */
    public void start() {
        refreshAsync();
        loop = Thread.ofVirtual().name("models-refresh").start(this::refreshLoop);
    }

    private void refreshLoop() {
        // Start each round early enough to finish before the snapshot it replaces turns stale.
        Duration lead = probeTimeout.plus(Duration.ofMillis(100));
        long pause = Math.max(50, refreshInterval.minus(lead).toMillis());
        while (!closed) {
            try {
                waitFor(refreshAsync(), probeTimeout.plus(WAIT_MARGIN));
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "model refresh failed", e);
            }
        }
    }

    /** The snapshot readers should use: fresh, or the best available within the wait bound. */
    public ModelsSnapshot current() {
        ModelsSnapshot snap = current.get();
        if (snap != null && snap.age(clock.instant()).compareTo(refreshInterval) <= 0) {
            return snap;
        }
        CompletableFuture<ModelsSnapshot> f = refreshAsync();
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
                    try {
                        ModelsSnapshot s = prober.get();
                        current.set(s);
                        mine.complete(s);
                    } catch (Throwable t) {
                        mine.completeExceptionally(t);
                    } finally {
                        inFlight.compareAndSet(mine, null);
                    }
                });
                return mine;
            }
        }
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
        closed = true;
        Thread t = loop;
        if (t != null) {
            t.interrupt();
        }
    }
}
