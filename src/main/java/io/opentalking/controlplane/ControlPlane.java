package io.opentalking.controlplane;

import io.helidon.webserver.WebServer;
import io.opentalking.controlplane.availability.AvailabilityProber;
import io.opentalking.controlplane.availability.ModelAvailability;
import io.opentalking.controlplane.avatars.AvatarCatalog;
import io.opentalking.controlplane.config.AppConfig;
import io.opentalking.controlplane.http.HttpApi;
import io.opentalking.controlplane.http.OpenStreams;
import io.opentalking.controlplane.http.TransportErrors;
import io.opentalking.controlplane.ops.Metrics;
import io.opentalking.controlplane.ops.OpsRoutes;
import io.opentalking.controlplane.queue.QueueStatusReader;
import io.opentalking.controlplane.queue.SlotQueue;
import io.opentalking.controlplane.sessions.SessionService;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The composition root: config → store → domain services → HTTP server; owns start and stop. */
public final class ControlPlane implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ControlPlane.class.getName());

    private final AppConfig cfg;
    private final Stores stores;
    private final AvailabilityProber prober;
    private final ModelAvailability availability;
    private final SlotQueue queue;
    private final WebServer server;
    private final OpenStreams streams = new OpenStreams();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private volatile boolean closed;

    private ControlPlane(AppConfig cfg, Clock clock, Duration sseKeepAlive) {
        this.cfg = cfg;
        Metrics metrics = new Metrics(clock);
        this.stores = StoreFactory.open(cfg, clock);
        this.prober = new AvailabilityProber(cfg.models(), cfg.defaultModel(), cfg.probes(), cfg.local(), metrics, clock);
        this.availability = new ModelAvailability(prober, cfg.probes(), metrics, clock);
        this.queue = new SlotQueue(stores.slots(), cfg.queue(), stores.events(), clock);
        AvatarCatalog avatars = new AvatarCatalog(cfg.avatarsDir());
        SessionService sessions = new SessionService(avatars, availability, queue, cfg.queue(), stores.sessions(),
                stores.events(), cfg.sessionTtl(), clock);
        queue.addListener(sessions);
        queue.addListener(metrics);
        metrics.bind(availability, stores.status(), cfg.queue().slots());
        QueueStatusReader countedStatus = metrics.countingReader(stores.status());
        OpsRoutes ops = new OpsRoutes(metrics, availability, countedStatus, clock);
        this.server = WebServer.builder()
                .host(cfg.server().host())
                .port(cfg.server().port())
                .shutdownGracePeriod(cfg.server().shutdownGrace())
                .shutdownHook(false)
                .directHandlers(TransportErrors.handlers())
                .routing(HttpApi.routing(cfg.server(), availability, countedStatus, avatars,
                        sessions, stores.events(), sseKeepAlive, List.of(metrics.httpFilter()), List.of(ops), streams, clock))
                .build();
    }

    /** Builds everything, starts the first probe round, the queue loops and the listener. */
    public static ControlPlane start(AppConfig cfg, Clock clock) {
        return start(cfg, clock, HttpApi.DEFAULT_KEEP_ALIVE);
    }

    public static ControlPlane start(AppConfig cfg, Clock clock, Duration sseKeepAlive) {
        ControlPlane cp = new ControlPlane(cfg, clock, sseKeepAlive);
        cp.availability.start();
        cp.queue.start();
        cp.server.start();
        return cp;
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

    /** Stops accepting, lets in-flight requests finish (bounded), gives slots back, closes the store. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        long t0 = System.nanoTime();
        streams.closeAll();
        server.stop();
        queue.close();
        availability.close();
        prober.close();
        try {
            stores.closer().close();
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "closing the store failed: {0}", e.getMessage());
        }
        LOG.log(System.Logger.Level.INFO, "stopped in {0} ms", (System.nanoTime() - t0) / 1_000_000);
    }
}
