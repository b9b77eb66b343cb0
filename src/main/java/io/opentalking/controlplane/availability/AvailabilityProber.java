package io.opentalking.controlplane.availability;

import io.opentalking.controlplane.config.Backend;
import io.opentalking.controlplane.config.LocalRuntimeConfig;
import io.opentalking.controlplane.config.ModelSpec;
import io.opentalking.controlplane.config.ProbeConfig;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * One probe round: every external check runs concurrently on virtual threads and the round waits at most the
 * probe timeout (plus a small margin) for all of them. A check still running then counts as timed out.
 */
public final class AvailabilityProber implements AutoCloseable {
    private static final Duration MARGIN = Duration.ofMillis(100);
    /**
     * Local checks (files, the mock self-test) touch no network; on a starved CPU the first self-test (image
     * decoding classes loading) can take longer than a network timeout, which must not mark mock unavailable.
     */
    private static final Duration LOCAL_BOUND = Duration.ofSeconds(5);

    private final List<ModelSpec> models;
    private final ProbeConfig cfg;
    private final Optional<String> defaultModel;
    private final ProbeHttp http;
    private final Optional<OmniRtProbe> omnirt;
    private final DirectWsProbe directWs;
    private final LocalRuntimeCheck local;
    private final MockSelfTest mock = new MockSelfTest();
    private final ProbeObserver observer;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

    public AvailabilityProber(List<ModelSpec> models, Optional<String> defaultModel, ProbeConfig cfg,
                              LocalRuntimeConfig localCfg, ProbeObserver observer) {
        this.models = List.copyOf(models);
        this.defaultModel = defaultModel;
        this.cfg = cfg;
        this.http = new ProbeHttp(cfg.timeout());
        this.omnirt = cfg.omnirtEndpoint().map(e -> new OmniRtProbe(http, e, cfg.omnirtApiKey(),
                cfg.omnirtModelsPath(), cfg.omnirtAvatarModelsPath()));
        this.directWs = new DirectWsProbe(http);
        this.local = new LocalRuntimeCheck(localCfg);
        this.observer = observer;
    }

    /** Probes everything once and returns the statuses in catalog order. Never throws, never exceeds the bound. */
    public ModelsSnapshot probe() {
        Instant start = Instant.now();
        Duration timeout = cfg.timeout();
        Map<String, Future<?>> tasks = new LinkedHashMap<>();

        boolean needsOmnirt = omnirt.isPresent() && models.stream().anyMatch(m -> m.backend() == Backend.OMNIRT);
        if (needsOmnirt) {
            tasks.put("omnirt", submit("omnirt", () -> omnirt.get().list(timeout), OmniRtListing.Listed.class));
        }
        for (ModelSpec m : models) {
            switch (m.backend()) {
                case MOCK -> tasks.putIfAbsent("mock", submit("mock", mock::run, null));
                case LOCAL -> tasks.put("local:" + m.id(), submit("local", () -> local.check(m.id()), null));
                case DIRECT_WS -> {
                    if (m.wsUrl().isPresent() && !flashheadOverride(m)) {
                        tasks.putIfAbsent("ws:" + m.wsUrl().get(), submit("direct_ws",
                                () -> directWs.check(URI.create(m.wsUrl().get()), timeout),
                                DirectWsProbe.Reachability.Reachable.class));
                    }
                }
                case OMNIRT -> {
                }
            }
        }

        Instant deadline = start.plus(timeout).plus(MARGIN);
        Instant localDeadline = start.plus(timeout.compareTo(LOCAL_BOUND) > 0 ? timeout : LOCAL_BOUND);
        Map<String, Object> results = new LinkedHashMap<>();
        tasks.forEach((key, f) -> results.put(key, await(f, isLocal(key) ? localDeadline : deadline, key)));

        List<ModelStatus> statuses = new ArrayList<>();
        for (ModelSpec m : models) {
            statuses.add(status(m, results));
        }
        Instant end = Instant.now();
        ModelsSnapshot snap = new ModelsSnapshot(statuses, defaultModel, end, Duration.between(start, end));
        observer.snapshotTaken(snap);
        return snap;
    }

    private static boolean isLocal(String taskKey) {
        return taskKey.equals("mock") || taskKey.startsWith("local:");
    }

    private boolean flashheadOverride(ModelSpec m) {
        return m.id().equals("flashhead") && cfg.flashheadEnabled();
    }

    private ModelStatus status(ModelSpec m, Map<String, Object> results) {
        return switch (m.backend()) {
            case MOCK -> {
                LocalRuntimeCheck.Result r = asLocal(results.get("mock"));
                yield ModelStatus.of(m.id(), m.backend(), r.available(), Reason.LOCAL_SELF_TEST, r.detail());
            }
            case LOCAL -> {
                LocalRuntimeCheck.Result r = asLocal(results.get("local:" + m.id()));
                yield ModelStatus.of(m.id(), m.backend(), r.available(),
                        r.available() ? Reason.LOCAL_RUNTIME : Reason.LOCAL_ADAPTER_MISSING, r.detail());
            }
            case OMNIRT -> omnirtStatus(m, results.get("omnirt"));
            case DIRECT_WS -> {
                if (flashheadOverride(m)) {
                    yield ModelStatus.of(m.id(), m.backend(), true, Reason.EXPLICIT_ENABLED,
                            "OPENTALKING_FLASHHEAD_ENABLED is set; not probed");
                }
                if (m.wsUrl().isEmpty()) {
                    yield ModelStatus.of(m.id(), m.backend(), false, Reason.NOT_CONFIGURED,
                            "no ws url configured for " + m.id());
                }
                Object r = results.get("ws:" + m.wsUrl().get());
                if (r instanceof DirectWsProbe.Reachability.Reachable ok) {
                    yield ModelStatus.of(m.id(), m.backend(), true, Reason.DIRECT_WS, ok.detail());
                }
                yield ModelStatus.of(m.id(), m.backend(), false, Reason.DIRECT_WS_UNAVAILABLE, failureDetail(r));
            }
        };
    }

    private ModelStatus omnirtStatus(ModelSpec m, Object result) {
        if (omnirt.isEmpty()) {
            if (m.id().equals("flashtalk") && cfg.flashtalkWsUrl().isPresent()) {
                return ModelStatus.of(m.id(), m.backend(), true, Reason.LEGACY_WS,
                        "FlashTalk ws url configured; not probed");
            }
            return ModelStatus.of(m.id(), m.backend(), false, Reason.NOT_CONFIGURED, "no OmniRT endpoint configured");
        }
        if (result instanceof OmniRtListing.Listed l) {
            if (l.models().contains(m.id())) {
                return ModelStatus.of(m.id(), m.backend(), true, Reason.OMNIRT, "listed by " + l.source());
            }
            return ModelStatus.of(m.id(), m.backend(), false, Reason.OMNIRT_UNAVAILABLE,
                    "not listed by " + l.source() + (l.models().isEmpty() ? " (empty list)"
                            : " (lists " + String.join(", ", l.models().stream().sorted().toList()) + ")"));
        }
        return ModelStatus.of(m.id(), m.backend(), false, Reason.OMNIRT_UNAVAILABLE, failureDetail(result));
    }

    private static LocalRuntimeCheck.Result asLocal(Object r) {
        return r instanceof LocalRuntimeCheck.Result lr ? lr : new LocalRuntimeCheck.Result(false, failureDetail(r));
    }

    private static String failureDetail(Object r) {
        return switch (r) {
            case OmniRtListing.Unavailable u -> u.detail();
            case DirectWsProbe.Reachability.Unreachable u -> u.detail();
            case ProbeFailure f -> f.detail();
            case null -> "probe did not run";
            default -> String.valueOf(r);
        };
    }

    /** A probe that threw or overran the round's deadline. */
    private record ProbeFailure(String detail) {
    }

    private Future<Object> submit(String kind, Supplier<?> probe, Class<?> okType) {
        return executor.submit(() -> {
            long t0 = System.nanoTime();
            Object r;
            try {
                r = probe.get();
            } catch (RuntimeException e) {
                r = new ProbeFailure(kind + " probe failed: " + e.getClass().getSimpleName());
            }
            boolean ok = okType == null ? r instanceof LocalRuntimeCheck.Result lr && lr.available() : okType.isInstance(r);
            observer.probed(kind, Duration.ofNanos(System.nanoTime() - t0), ok);
            return r;
        });
    }

    private static Object await(Future<?> f, Instant deadline, String key) {
        long ms = Math.max(0, Duration.between(Instant.now(), deadline).toMillis());
        try {
            return f.get(ms, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            return new ProbeFailure(key + " probe did not finish within the probe timeout");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new ProbeFailure("interrupted");
        } catch (Exception e) {
            return new ProbeFailure(key + " probe failed");
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
        http.close();
    }
}
