package io.opentalking.controlplane;

import io.opentalking.controlplane.availability.AvailabilityProber;
import io.opentalking.controlplane.availability.ModelAvailability;
import io.opentalking.controlplane.avatars.AvatarCatalog;
import io.opentalking.controlplane.config.AppConfig;
import io.opentalking.controlplane.http.ApiServices;
import io.opentalking.controlplane.http.HttpServer;
import io.opentalking.controlplane.ops.Metrics;
import io.opentalking.controlplane.ops.OpsRoutes;
import io.opentalking.controlplane.queue.QueueStatusReader;
import io.opentalking.controlplane.queue.SlotQueue;
import io.opentalking.controlplane.readiness.CachedCondition;
import io.opentalking.controlplane.readiness.Readiness;
import io.opentalking.controlplane.sessions.SessionService;
import io.opentalking.controlplane.store.StoreFactory;
import io.opentalking.controlplane.store.Stores;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The composition root: config → store → domain services → HTTP server; owns start and stop. */
public final class ControlPlane implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ControlPlane.class.getName());
    /** How long one store ping answers every {@code /readyz} in between. */
    private static final Duration STORE_CHECK_MAX_AGE = Duration.ofSeconds(1);

    private final AppConfig cfg;
    private final Stores stores;
    private final AvailabilityProber prober;
    private final ModelAvailability availability;
    private final SlotQueue queue;
    private final HttpServer server;
    private final Readiness readiness;
    private volatile boolean closed;

    private ControlPlane(AppConfig cfg, Clock clock, Duration sseKeepAlive, boolean listen) {
        this.cfg = cfg;
        Metrics metrics = new Metrics(clock);
        this.stores = StoreFactory.open(cfg, clock);
        this.prober = new AvailabilityProber(cfg.models(), cfg.defaultModel(), cfg.probes(), cfg.local(), metrics, clock);
        this.availability = new ModelAvailability(prober, cfg.probes(), metrics, clock);
        this.queue = new SlotQueue(stores.slots(), stores.sessions(), cfg.queue(), stores.events(), clock);
        AvatarCatalog avatars = new AvatarCatalog(cfg.avatarsDir());
        SessionService sessions = new SessionService(avatars, availability, queue, cfg.queue(), stores.sessions(),
                stores.events(), cfg.sessionTtl(), clock, cfg.limits().maxSessions());
        queue.addListener(sessions);
        queue.addListener(metrics);
        metrics.bind(availability, stores.status(), cfg.queue().slots());
        QueueStatusReader countedStatus = metrics.countingReader(stores.status());
        OpsRoutes ops = new OpsRoutes(metrics, availability, countedStatus, clock);
        this.readiness = new Readiness(readinessConditions(cfg, availability, stores, clock));
        this.server = new HttpServer(new ApiServices(cfg.server(), cfg.limits(), availability, countedStatus, avatars,
                sessions, stores.events(), clock, sseKeepAlive, List.of(ops), metrics, readiness), listen);
        metrics.bindProtection(server::counts);
    }

    /**
     * What readiness requires besides not draining. The configuration is loaded by the time this runs (the
     * listener never starts without it), so that needs no condition of its own.
     */
    private static List<Readiness.Condition> readinessConditions(AppConfig cfg, ModelAvailability availability,
                                                                 Stores stores, Clock clock) {
        List<Readiness.Condition> out = new ArrayList<>();
        out.add(() -> availability.peek().isPresent() ? Optional.empty()
                : Optional.of("the first probe round has not finished"));
        if (cfg.readiness().requiresStore()) {
            out.add(new CachedCondition(() -> {
                Stores.StoreCheck.Result r = stores.check().check();
                return r.ok() ? Optional.empty() : Optional.of("store unreachable: " + r.detail());
            }, STORE_CHECK_MAX_AGE, clock));
        }
        return out;
    }

    /** Builds everything, starts the first probe round, the queue loops and the listener. */
    public static ControlPlane start(AppConfig cfg, Clock clock) {
        return start(cfg, clock, ApiServices.DEFAULT_KEEP_ALIVE);
    }

    /**
     * As {@link #start(AppConfig, Clock)}; a listener that cannot start releases everything opened so far and
     * throws {@link HttpServer.StartupFailure}.
     */
    public static ControlPlane start(AppConfig cfg, Clock clock, Duration sseKeepAlive) {
        return start(new ControlPlane(cfg, clock, sseKeepAlive, true));
    }

    /**
     * Everything but the socket: requests go through {@link #exchange(String)}. For routing tests that need no
     * network (the embedded store must be configured).
     */
    public static ControlPlane startWithoutSocket(AppConfig cfg, Clock clock) {
        return start(new ControlPlane(cfg, clock, ApiServices.DEFAULT_KEEP_ALIVE, false));
    }

    private static ControlPlane start(ControlPlane cp) {
        try {
            cp.server.start();
        } catch (HttpServer.StartupFailure e) {
            cp.queue.close();
            cp.closeDomain();
            throw e;
        }
        cp.availability.start();
        cp.queue.start();
        return cp;
    }

    /** A raw request through the production routing, for a control plane started without a socket. */
    public String exchange(String rawRequest) {
        return server.exchange(rawRequest);
    }

    public int port() {
        return server.port();
    }

    public AppConfig config() {
        return cfg;
    }

    public ModelAvailability availability() {
        return availability;
    }

    public SlotQueue queue() {
        return queue;
    }

    /**
     * What SIGTERM does: {@code /readyz} answers 503 at once, every other route is served for the drain period
     * ({@code OPENTALKING_DRAIN_MS}) so the load balancer stops sending before the port closes, then {@link #close()}.
     */
    public void drainAndClose() {
        Duration drain = cfg.readiness().drain();
        if (readiness.startDraining() && !drain.isZero()) {
            LOG.log(System.Logger.Level.INFO, "draining: /readyz answers 503; every other route is served for {0} ms",
                    Long.toString(drain.toMillis()));
            try {
                Thread.sleep(drain);
            } catch (InterruptedException e) {
                // Cut short: shut down now rather than not at all.
                Thread.currentThread().interrupt();
            }
        }
        close();
    }

    /** Every route the listener serves, as "METHOD template"; nothing is started, nothing listens. */
    static List<String> routes(AppConfig cfg) {
        ControlPlane cp = new ControlPlane(cfg, Clock.systemUTC(), ApiServices.DEFAULT_KEEP_ALIVE, false);
        try {
            return cp.server.routes();
        } finally {
            cp.server.close();
            cp.queue.close();
            cp.closeDomain();
        }
    }

    /** Stops accepting, lets in-flight requests finish (bounded), gives slots back, closes the store. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        readiness.startDraining();
        long t0 = System.nanoTime();
        LOG.log(System.Logger.Level.INFO, "shutting down: no new connections, slots given back, in-flight requests "
                + "finish within {0} ms", Long.toString(cfg.server().shutdownGrace().toMillis()));
        // Order matters: no new connections and no half-sent requests first; then the slots go back, which
        // publishes session.expired and session.closed; then the streams end after writing those; then the
        // complete requests still running get the grace period.
        server.stopAccepting();
        queue.close();
        server.endStreams();
        server.close();
        closeDomain();
        LOG.log(System.Logger.Level.INFO, "stopped in {0} ms", (System.nanoTime() - t0) / 1_000_000);
    }

    /** What remains once the queue has given its slots back. */
    private void closeDomain() {
        availability.close();
        prober.close();
        try {
            stores.closer().close();
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "closing the store failed: {0}", e.getMessage());
        }
    }
}
