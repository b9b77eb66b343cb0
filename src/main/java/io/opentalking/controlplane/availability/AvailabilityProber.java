package io.opentalking.controlplane.availability;

import io.opentalking.controlplane.config.Backend;
import io.opentalking.controlplane.config.LocalRuntimeConfig;
import io.opentalking.controlplane.config.ModelSpec;
import io.opentalking.controlplane.config.ProbeConfig;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * One probe round: every external check runs concurrently on virtual threads and the round waits at most the
 * probe timeout (plus a small margin) for them. The OmniRT listing has its own, longer budget (the real OmniRT
 * checks its targets one after another inside it): when it is still running at the round's deadline the
 * snapshot marks its models pending and their statuses are handed over when it answers. Budgets are measured
 * on the monotonic clock; the injected {@link Clock} stamps the snapshots.
 */
public final class AvailabilityProber implements ProbeRound, AutoCloseable {
    private static final Duration MARGIN = Duration.ofMillis(100);
    /**
     * Local checks (files, the mock self-test) touch no network; on a starved CPU the first self-test (image
     * decoding classes loading) can take longer than a network timeout, which must not mark mock unavailable.
     */
    private static final Duration LOCAL_BOUND = Duration.ofSeconds(5);

    /** A probe's value and how long it took, for the metric. */
    private record Timed<T>(T value, Duration took) {
    }

    /** The listing future, and whether this round started it (only that round reports its late statuses). */
    private record Listing(CompletableFuture<ProbeResult<OmniRtListing>> result, boolean started) {
    }

    private final List<ModelSpec> models;
    private final ProbeConfig cfg;
    private final Optional<String> defaultModel;
    private final ProbeHttp http;
    private final Optional<OmniRtProbe> omnirt;
    private final DirectWsProbe directWs;
    private final LocalRuntimeCheck local;
    private final MockSelfTest mock = new MockSelfTest();
    private final StatusRules rules;
    private final ProbeObserver observer;
    private final Clock clock;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final AtomicReference<CompletableFuture<ProbeResult<OmniRtListing>>> listing = new AtomicReference<>();

    public AvailabilityProber(List<ModelSpec> models, Optional<String> defaultModel, ProbeConfig cfg,
                              LocalRuntimeConfig localCfg, ProbeObserver observer, Clock clock) {
        this.models = List.copyOf(models);
        this.defaultModel = defaultModel;
        this.cfg = cfg;
        this.http = new ProbeHttp(cfg.timeout());
        this.omnirt = cfg.omnirtEndpoint().map(e -> new OmniRtProbe(http, e, cfg.omnirtApiKey(),
                cfg.omnirtModelsPath(), cfg.omnirtAvatarModelsPath()));
        this.directWs = new DirectWsProbe(http);
        this.local = new LocalRuntimeCheck(localCfg);
        this.rules = new StatusRules(cfg);
        this.observer = observer;
        this.clock = clock;
    }

    /** Probes everything once and returns the statuses in catalog order. Never throws, never exceeds the bound. */
    @Override
    public ModelsSnapshot probe(Consumer<List<ModelStatus>> late) {
        long t0 = System.nanoTime();
        Duration timeout = cfg.timeout();
        Duration localBudget = timeout.compareTo(LOCAL_BOUND) > 0 ? timeout : LOCAL_BOUND;
        Map<ProbeTarget, Future<Timed<LocalRuntimeCheck.Result>>> checks = new LinkedHashMap<>();
        Map<URI, Future<Timed<DirectWsProbe.Reachability>>> ws = new LinkedHashMap<>();
        for (ModelSpec m : models) {
            switch (m.backend()) {
                case MOCK -> checks.computeIfAbsent(new ProbeTarget.Mock(), t -> submit(mock::run));
                case LOCAL -> checks.computeIfAbsent(new ProbeTarget.Local(m.id()), t -> submit(() -> local.check(m.id())));
                case DIRECT_WS -> {
                    if (m.wsUrl().isPresent() && !rules.flashheadOverride(m)) {
                        ws.computeIfAbsent(URI.create(m.wsUrl().get()), u -> submit(() -> directWs.check(u, timeout)));
                    }
                }
                case OMNIRT -> {
                }
            }
        }
        Optional<Listing> listed = omnirt.isPresent() && models.stream().anyMatch(m -> m.backend() == Backend.OMNIRT)
                ? Optional.of(listing()) : Optional.empty();

        long deadline = t0 + timeout.plus(MARGIN).toNanos();
        Map<ProbeTarget, ProbeResult<LocalRuntimeCheck.Result>> checkResults = new LinkedHashMap<>();
        checks.forEach((target, f) -> checkResults.put(target,
                await(target, f, t0 + localBudget.toNanos(), localBudget, LocalRuntimeCheck.Result::available)));
        Map<URI, ProbeResult<DirectWsProbe.Reachability>> wsResults = new LinkedHashMap<>();
        ws.forEach((url, f) -> wsResults.put(url, await(new ProbeTarget.DirectWs(url), f, deadline, timeout,
                r -> r instanceof DirectWsProbe.Reachability.Reachable)));
        Optional<ProbeResult<OmniRtListing>> omni = listed.map(l -> awaitListing(l.result(), deadline, t0));
        RoundResults results = new RoundResults(checkResults, omni, wsResults);

        Set<String> pending = omni.filter(r -> r instanceof ProbeResult.Pending<OmniRtListing>)
                .map(r -> omnirtModels().map(ModelSpec::id).collect(Collectors.toSet())).orElse(Set.of());
        if (!pending.isEmpty() && listed.get().started()) {
            listed.get().result().thenAccept(r -> late.accept(
                    omnirtModels().map(m -> rules.status(m, results.withOmnirt(r))).toList()));
        }
        List<ModelStatus> statuses = models.stream().map(m -> rules.status(m, results)).toList();
        return new ModelsSnapshot(statuses, defaultModel, clock.instant(), Duration.ofNanos(System.nanoTime() - t0),
                pending);
    }

    /** One round with the late statuses waited for (bounded by the listing budget): for {@code doctor}. */
    public ModelsSnapshot probeFully() {
        CompletableFuture<List<ModelStatus>> late = new CompletableFuture<>();
        ModelsSnapshot first = probe(late::complete);
        if (first.pending().isEmpty()) {
            return first;
        }
        try {
            return first.withLateStatuses(late.get(cfg.omnirtListingTimeout().plus(MARGIN).plus(MARGIN).toMillis(),
                    TimeUnit.MILLISECONDS), clock.instant());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // The listing is self-bounded; if it still has not answered, the pending statuses are the answer.
        }
        return first;
    }

    private java.util.stream.Stream<ModelSpec> omnirtModels() {
        return models.stream().filter(m -> m.backend() == Backend.OMNIRT);
    }

    /** The listing in flight, or a new one: a slow OmniRT never has two listings running from one server. */
    private Listing listing() {
        while (true) {
            CompletableFuture<ProbeResult<OmniRtListing>> running = listing.get();
            if (running != null && !running.isDone()) {
                return new Listing(running, false);
            }
            CompletableFuture<ProbeResult<OmniRtListing>> mine = new CompletableFuture<>();
            if (listing.compareAndSet(running, mine)) {
                startListing(mine);
                return new Listing(mine, true);
            }
        }
    }

    private void startListing(CompletableFuture<ProbeResult<OmniRtListing>> result) {
        OmniRtProbe probe = omnirt.orElseThrow();
        ProbeTarget target = new ProbeTarget.OmniRt(probe.primaryUrl());
        Duration budget = cfg.omnirtListingTimeout();
        long t0 = System.nanoTime();
        // The probe bounds itself; this is the backstop, worded like every other timeout.
        result.completeOnTimeout(new ProbeResult.TimedOut<>(ProbeResult.timeoutDetail(target.what(), budget)),
                budget.plus(MARGIN).toMillis(), TimeUnit.MILLISECONDS);
        result.thenAccept(r -> observer.probed(target.kind(), Duration.ofNanos(System.nanoTime() - t0),
                r instanceof ProbeResult.Done<OmniRtListing> d && d.value() instanceof OmniRtListing.Listed));
        executor.submit(() -> {
            try {
                result.complete(new ProbeResult.Done<>(probe.list(budget)));
            } catch (RuntimeException e) {
                result.complete(new ProbeResult.Failed<>("omnirt probe failed: " + e.getClass().getSimpleName()));
            }
        });
    }

    private ProbeResult<OmniRtListing> awaitListing(CompletableFuture<ProbeResult<OmniRtListing>> f, long deadline,
                                                    long t0) {
        try {
            return f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return new ProbeResult.Pending<>("OmniRT listing still running after "
                    + Duration.ofNanos(System.nanoTime() - t0).toMillis() + " ms (its budget is "
                    + cfg.omnirtListingTimeout().toMillis() + " ms); the status follows when it answers");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new ProbeResult.Failed<>("interrupted");
        } catch (ExecutionException e) {
            return new ProbeResult.Failed<>("omnirt probe failed: " + e.getCause().getClass().getSimpleName());
        }
    }

    private <T> Future<Timed<T>> submit(Supplier<T> probe) {
        return executor.submit(() -> {
            long t0 = System.nanoTime();
            T v = probe.get();
            return new Timed<>(v, Duration.ofNanos(System.nanoTime() - t0));
        });
    }

    /** Waits for one probe until the deadline; reports it to the observer exactly once, whatever the outcome. */
    private <T> ProbeResult<T> await(ProbeTarget target, Future<Timed<T>> f, long deadline, Duration budget,
                                     Predicate<T> ok) {
        ProbeResult<T> r;
        Duration took = budget;
        try {
            Timed<T> t = f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            r = new ProbeResult.Done<>(t.value());
            took = t.took();
        } catch (TimeoutException e) {
            f.cancel(true);
            r = new ProbeResult.TimedOut<>(ProbeResult.timeoutDetail(target.what(), budget));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            r = new ProbeResult.Failed<>("interrupted");
        } catch (ExecutionException e) {
            r = new ProbeResult.Failed<>(target.kind() + " probe failed: " + e.getCause().getClass().getSimpleName());
        }
        observer.probed(target.kind(), took, r instanceof ProbeResult.Done<T> d && ok.test(d.value()));
        return r;
    }

    @Override
    public void close() {
        executor.shutdownNow();
        http.close();
    }
}
